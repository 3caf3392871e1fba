using Connects.ContractClient;
using Connects.ContractClient.Models;
using Connects.Tests.Support;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Connects.Tests.Contract;

/// <summary>The .NET client Kiota generates from the document (tests/Connects.ContractClient) is the one checked in, and it
/// walks the README's main flows with only its own types: no hand-written type, no cast.</summary>
[Collection(ContractCollection.Name)]
public sealed class ContractClientTests(LiveContract live)
{
    /// <summary>How the checked-in client is generated (README, "Clients"): the same arguments here and there.</summary>
    public static readonly string[] KiotaArguments =
        ["-l", "CSharp", "-c", "ConnectsClient", "-n", "Connects.ContractClient", "--exclude-backward-compatible", "--clean-output"];

    private static string CheckedIn => Path.Combine(Repository.Root, "tests", "Connects.ContractClient");

    [Fact]
    public async Task Regenerating_the_client_from_the_live_document_changes_nothing()
    {
        var generated = Path.Combine(Path.GetDirectoryName(live.DocumentPath)!, "Generated");
        await ExternalTool.DotnetTool(["kiota", "generate", "-d", live.DocumentPath, "-o", generated, .. KiotaArguments]);

        const string Regenerate = "the API's contract changed: regenerate the client (README, \"Clients\") and commit it";
        Assert.True(File.ReadAllText(Path.Combine(CheckedIn, "openapi.json")) == live.DocumentText, $"openapi.json differs: {Regenerate}");
        var expected = Files(Path.Combine(CheckedIn, "Generated"));
        var actual = Files(generated);
        Assert.True(expected.Keys.Order().SequenceEqual(actual.Keys.Order()),
            $"Files differ ({string.Join(", ", expected.Keys.Except(actual.Keys).Concat(actual.Keys.Except(expected.Keys)))}): {Regenerate}");
        foreach (var (file, text) in expected)
            Assert.True(text == actual[file], $"{file} differs: {Regenerate}");
    }

    [Fact]
    public async Task The_generated_client_walks_the_main_flows_and_reads_refusals_as_typed_problems()
    {
        using var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: live.Factory.CreateClient())
        {
            BaseUrl = live.Http.BaseAddress!.ToString().TrimEnd('/'),
        };
        var api = new ConnectsClient(adapter);

        // Open a wallet on the free plan, buy 40 Connects; the same payment reference again changes nothing.
        var wallet = await api.V1.Freelancers["k-ada"].Wallet.PostAsync(new OpenWalletRequest { Plan = Plan.Basic });
        Assert.Equal(10, wallet!.Balance);
        var purchase = new PurchaseRequest { Bundle = 40, PaymentReference = "k-pay-001" };
        var bought = await api.V1.Freelancers["k-ada"].Purchases.PostAsync(purchase);
        Assert.Equal(("6.00", 50), (bought!.PriceUsd, bought.Balance));
        Assert.Equal(50, (await api.V1.Freelancers["k-ada"].Purchases.PostAsync(purchase))!.Balance);

        // A client posts a job; the answer carries its price in Connects.
        var job = await api.V1.Jobs["k-logo"].PutAsync(new PostJobRequest
        {
            ClientId = "acme", BudgetUsd = 800, BudgetType = BudgetType.Fixed, Duration = ProjectDuration.OneFourWeeks, Category = "design",
        });
        var price = job!.ConnectsRequired!.Value;
        Assert.Equal(JobStatus.Open, job.Status);

        // 409 price-changed: expecting less than the price is refused, nothing is charged, the problem says the price.
        var tooLow = await Assert.ThrowsAsync<ConflictProblem>(() =>
            api.V1.Jobs["k-logo"].Proposals.PostAsync(new SubmitProposalRequest { FreelancerId = "k-ada", ExpectedConnects = price - 1 }));
        Assert.Equal((409, "/problems/price-changed", price), (tooLow.ResponseStatusCode, tooLow.Type, tooLow.ConnectsRequired));

        // Submit, then retry: the same proposal, charged once.
        var proposal = new SubmitProposalRequest { FreelancerId = "k-ada", ExpectedConnects = price };
        var submitted = await api.V1.Jobs["k-logo"].Proposals.PostAsync(proposal);
        Assert.Equal((price, 50 - price), (submitted!.ConnectsCharged, submitted.Balance));
        var retried = await api.V1.Jobs["k-logo"].Proposals.PostAsync(proposal);
        Assert.Equal((price, 50 - price), (retried!.ConnectsCharged, retried.Balance));
        Assert.Equal((0, false), (retried.BoostBid, retried.Boosted));

        // Bid 3 Connects for a boosted spot, then raise to 5: the raise charges only the difference.
        var boost = api.V1.Jobs["k-logo"].Proposals["k-ada"].Boost;
        var bid = await boost.PutAsync(new BoostRequest { Bid = 3 });
        Assert.Equal((3, 3, true, 50 - price - 3), (bid!.Bid, bid.Charged, bid.Boosted, bid.Balance));
        var raised = await boost.PutAsync(new BoostRequest { Bid = 5 });
        Assert.Equal((5, 2, true, 50 - price - 5), (raised!.Bid, raised.Charged, raised.Boosted, raised.Balance));

        // 409 bid-not-higher: a bid not above the current one is refused; the problem says the current bid and the field.
        var notHigher = await Assert.ThrowsAsync<ConflictProblem>(() => boost.PutAsync(new BoostRequest { Bid = 4 }));
        Assert.Equal((409, "/problems/bid-not-higher", 5, "bid"), (notHigher.ResponseStatusCode, notHigher.Type, notHigher.CurrentBid, notHigher.Field));

        // A raise beyond the wallet is the same typed 402 as a proposal's: needed, available, next refresh.
        var tooDear = await Assert.ThrowsAsync<InsufficientConnectsProblem>(() => boost.PutAsync(new BoostRequest { Bid = 10_000 }));
        Assert.Equal((402, 10_000 - 5, 50 - price - 5), (tooDear.ResponseStatusCode, tooDear.Required, tooDear.Available));
        Assert.NotNull(tooDear.NextRefreshAt);

        // The client's list and the job's auction show the boosted proposal.
        var ranked = await api.V1.Jobs["k-logo"].Proposals.GetAsync();
        Assert.Equal(("k-ada", true, 5, ProposalStatus.Active), (ranked!.Proposals![0].FreelancerId, ranked.Proposals[0].Boosted, ranked.Proposals[0].BoostBid, ranked.Proposals[0].Status));
        var auction = (await api.V1.Jobs["k-logo"].GetAsync())!.Auction!;
        Assert.Equal((true, 4), (auction.Open, auction.Spots));
        Assert.Equal([5], auction.WinningBids!.Select(b => b!.Value));

        // 402 insufficient-connects: a wallet with less than the price learns how many it needs, has and when more arrive.
        await api.V1.Freelancers["k-bob"].Wallet.PostAsync(new OpenWalletRequest { Plan = Plan.Basic });
        await api.V1.Jobs["k-big"].PutAsync(new PostJobRequest
        {
            ClientId = "acme", BudgetUsd = 1_000_000, BudgetType = BudgetType.Fixed, Duration = ProjectDuration.MoreThan6Months, Category = "platforms",
        });
        var broke = await Assert.ThrowsAsync<InsufficientConnectsProblem>(() =>
            api.V1.Jobs["k-big"].Proposals.PostAsync(new SubmitProposalRequest { FreelancerId = "k-bob", ExpectedConnects = 10_000 }));
        Assert.Equal((402, "/problems/insufficient-connects", 10), (broke.ResponseStatusCode, broke.Type, broke.Available));
        Assert.True(broke.Required > broke.Available);
        Assert.NotNull(broke.NextRefreshAt);

        // 400 names the field at fault.
        var invalid = await Assert.ThrowsAsync<HttpValidationProblemDetails>(() =>
            api.V1.Freelancers["k-ada"].Purchases.PostAsync(new PurchaseRequest { Bundle = 30, PaymentReference = "k-pay-002" }));
        Assert.Contains("bundle", invalid.Errors!.AdditionalData.Keys);

        // The history, newest first: the bid and its raise, each its own entry, on top of the proposal's charge, the purchase
        // and the opening.
        var history = await api.V1.Freelancers["k-ada"].History.GetAsync(r => r.QueryParameters.Days = 30);
        Assert.Equal([LedgerKind.BoostBid, LedgerKind.BoostBid, LedgerKind.Spend, LedgerKind.Purchase, LedgerKind.Opened], history!.Entries!.Select(e => e.Kind!.Value));
        Assert.Equal([-2, -3], history.Entries!.Take(2).Select(e => e.Amount!.Value));
        Assert.Equal(50 - price - 5, history.Entries![0].BalanceAfter);
    }

    private static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".kiota.log")
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllText);
}
