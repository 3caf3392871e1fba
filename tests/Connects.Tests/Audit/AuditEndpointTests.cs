using System.Diagnostics;
using System.Net;
using Connects.Domain;
using Connects.Silo;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Connects.Tests.Audit;

public sealed class AuditEndpointTests
{
    [Fact]
    public async Task The_admin_audit_and_the_operators_command_read_storage_and_find_a_planted_fault()
    {
        using var folder = new TempDatabase(migrate: false);
        var db = Path.Combine(folder.Folder, "connects.db");
        await using (var factory = new ApiFactory(db))
        {
            var http = factory.CreateClient();
            await http.OpenWallet("au-1", "plus");
            await http.OpenWallet("au-2", "basic");
            await http.PostJob("au-job");
            await http.PostJson("/v1/jobs/au-job/proposals", """{"freelancerId":"au-1","expectedConnects":16}""").Expect(HttpStatusCode.Created);
            await http.PostJson("/v1/freelancers/au-2/purchases", """{"bundle":20,"paymentReference":"au-pay"}""").Expect(HttpStatusCode.Created);
            await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P40D"}""").Expect(HttpStatusCode.OK);
            await http.Wallet("au-1"); // closes a cycle: its entries move to a statement

            var clean = await http.GetAsync("/v1/admin/audit").Expect(HttpStatusCode.OK);
            Assert.True(clean.GetProperty("clean").GetBoolean(), clean.ToString());
            var totals = clean.GetProperty("totals");
            Assert.Equal((2, 1, 1), (totals.Int("wallets"), totals.Int("jobs"), totals.Int("proposals")));
            Assert.Equal(20, totals.Int("purchased"));

            // Plant a fault straight into storage: a wallet whose balance no ledger explains.
            var storage = factory.Services.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);
            var grains = factory.Services.GetRequiredService<IGrainFactory>();
            var id = Connects.Contracts.GrainKeys.Wallet(grains, "au-2").GetGrainId();
            var state = new GrainState<WalletState>();
            await storage.ReadStateAsync("wallet", id, state);
            state.State!.Balance += 7;
            await storage.WriteStateAsync("wallet", id, state);

            var dirty = await http.GetAsync("/v1/admin/audit").Expect(HttpStatusCode.OK);
            Assert.False(dirty.GetProperty("clean").GetBoolean());
            Assert.Contains(dirty.GetProperty("findings").EnumerateArray(),
                f => f.GetProperty("kind").GetString() == LedgerAudit.LedgerMismatch && f.GetProperty("subject").GetString() == "au-2");
        }

        var command = new ProcessStartInfo("dotnet",
            [Path.Combine(Repository.Root, "src", "Silo", "bin", Repository.Configuration, "net10.0", "Connects.Silo.dll"), "audit"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        command.Environment["Connects__Storage__SqlitePath"] = db;
        using var process = Process.Start(command)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(3, process.ExitCode);
        Assert.Contains("\"ledger-mismatch\"", output);
        Assert.Contains("\"au-2\"", output);
        // The command recorded its result for the silos' metrics (connects_audit_findings): the alert reads it.
        var recorded = new AuditRuns(new StorageSettings { SqlitePath = db }, new SiloSettings()).Latest();
        Assert.NotNull(recorded);
        Assert.True(recorded.Findings >= 1, $"{recorded.Findings} findings recorded");
        Assert.True(recorded.At > DateTimeOffset.UtcNow.AddMinutes(-5), $"recorded at {recorded.At}");
    }
}
