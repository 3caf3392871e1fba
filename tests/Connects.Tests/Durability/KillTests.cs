using System.Net;
using Connects.Tests.Support;

namespace Connects.Tests.Durability;

public sealed class KillTests
{
    [Fact]
    public async Task Acknowledged_writes_survive_kill_minus_nine()
    {
        using var folder = new TempDatabase(migrate: false);
        var db = Path.Combine(folder.Folder, "connects.db");
        string wallet, job;

        await using (var service = await ServiceProcess.Start(db))
        {
            var http = service.Http;
            await http.OpenWallet("k-alice", "basic");
            await http.PostJson("/v1/freelancers/k-alice/purchases", """{"bundle":60,"paymentReference":"k-pay"}""").Expect(HttpStatusCode.Created);
            await http.PostJob("k-job");
            await http.PostJson("/v1/jobs/k-job/proposals", """{"freelancerId":"k-alice","expectedConnects":16}""").Expect(HttpStatusCode.Created);
            wallet = (await http.Wallet("k-alice")).ToString();
            job = (await http.GetAsync("/v1/jobs/k-job").Expect(HttpStatusCode.OK)).ToString();
            await service.Kill();
        }

        await using (var service = await ServiceProcess.Start(db))
        {
            var http = service.Http;
            Assert.Equal(wallet, (await http.Wallet("k-alice")).ToString());
            Assert.Equal(job, (await http.GetAsync("/v1/jobs/k-job").Expect(HttpStatusCode.OK)).ToString());
            var retry = await http.PostJson("/v1/jobs/k-job/proposals", """{"freelancerId":"k-alice","expectedConnects":16}""").Expect(HttpStatusCode.OK);
            Assert.Equal(System.Text.Json.JsonDocument.Parse(wallet).RootElement.Int("balance"), retry.Int("balance"));
        }
    }
}
