using System.Net;
using Connects.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Connects.Tests.Durability;

public sealed class RestartTests
{
    [Fact]
    public async Task Balances_history_jobs_reminders_and_the_sandbox_clock_survive_a_restart_on_the_same_file()
    {
        using var folder = new TempDatabase(migrate: false);
        var db = Path.Combine(folder.Folder, "connects.db");
        string wallet, history, job, clock;

        await using (var first = new ApiFactory(db))
        {
            var http = first.CreateClient();
            await http.OpenWallet("r-alice", "plus");
            await http.PostJson("/v1/freelancers/r-alice/purchases", """{"bundle":20,"paymentReference":"r-pay"}""").Expect(HttpStatusCode.Created);
            await http.PostJob("r-job");
            await http.PostJson("/v1/jobs/r-job/proposals", """{"freelancerId":"r-alice","expectedConnects":16}""").Expect(HttpStatusCode.Created);
            await http.PostJob("r-cancelled");
            await http.PostJson("/v1/jobs/r-cancelled/proposals", """{"freelancerId":"r-alice","expectedConnects":16}""").Expect(HttpStatusCode.Created);
            await http.PostJson("/v1/jobs/r-cancelled/cancel", """{"reason":"removed-by-marketplace"}""").Expect(HttpStatusCode.OK);
            await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P40D"}""").Expect(HttpStatusCode.OK);
            wallet = (await http.Wallet("r-alice")).ToString();
            history = (await http.GetAsync("/v1/freelancers/r-alice/history?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z").Expect(HttpStatusCode.OK)).ToString();
            job = (await http.GetAsync("/v1/jobs/r-job").Expect(HttpStatusCode.OK)).ToString();
            clock = (await http.GetAsync("/v1/sandbox/clock").Expect(HttpStatusCode.OK)).GetProperty("offset").GetString()!;
        }

        await using (var second = new ApiFactory(db))
        {
            var http = second.CreateClient();
            Assert.Equal(wallet, (await http.Wallet("r-alice")).ToString());
            Assert.Equal(history, (await http.GetAsync("/v1/freelancers/r-alice/history?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z").Expect(HttpStatusCode.OK)).ToString());
            Assert.Equal(job, (await http.GetAsync("/v1/jobs/r-job").Expect(HttpStatusCode.OK)).ToString());
            Assert.Equal(clock, (await http.GetAsync("/v1/sandbox/clock").Expect(HttpStatusCode.OK)).GetProperty("offset").GetString());
            await http.PostJson("/v1/freelancers/r-alice/purchases", """{"bundle":20,"paymentReference":"r-pay"}""").Expect(HttpStatusCode.OK);
        }

        await using var connection = new SqliteConnection($"Data Source={db}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // The wallet is on its renewal day's roll, and the 31 renewal cohorts' reminders (none per wallet) are stored.
        command.CommandText = "SELECT COUNT(*) FROM ConnectsRenewalCohort WHERE FreelancerId = 'r-alice'";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
        command.CommandText = "SELECT COUNT(*) FROM OrleansRemindersTable WHERE ReminderName = 'renewal'";
        Assert.Equal(31L, await command.ExecuteScalarAsync());
        command.CommandText = "SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId LIKE '%freelancer:r-alice'";
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Sandbox_routes_do_not_exist_when_the_sandbox_is_off()
    {
        using var folder = new TempDatabase(migrate: false);
        await using var factory = new ApiFactory(Path.Combine(folder.Folder, "connects.db"))
            .WithWebHostBuilder(b => b.UseSetting("Connects:Sandbox:Enabled", "false"));
        var http = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/sandbox/clock")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P1D"}""")).StatusCode);
    }
}
