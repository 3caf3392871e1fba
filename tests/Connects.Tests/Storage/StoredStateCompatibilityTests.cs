using System.Text.Json;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Connects.Tests.Storage;

/// <summary>
/// Grain states stored by an earlier build still read. The payloads below were written by the build of commit
/// <c>43df489</c> (2026-12-03), before the state's value records stopped being reference-tracked by the serializer
/// (<c>[SuppressReferenceTracking]</c>): the wire format keeps its reference numbering, so old rows and new rows read
/// alike. The states carry what makes the format's references matter: a key string that is also a field, and slices
/// shared between a proposal and a boosted bid.
/// </summary>
public sealed class StoredStateCompatibilityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(WalletState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    internal static WalletState Wallet()
    {
        var state = new WalletState
        {
            FreelancerId = "ada",
            IsOpen = true,
            Plan = Plan.Plus,
            Anchor = T0.AddMonths(-2),
            Cycle = 2,
            Balance = 61,
            NextSequence = 7,
            NextHoldNumber = 4,
            EventsRecordedBefore = 5,
        };
        state.Buckets.Add(new Bucket { Source = BucketSource.Monthly, Amount = 40, ExpiresAt = T0.AddDays(30) });
        state.Buckets.Add(new Bucket { Source = BucketSource.Purchase, Amount = 21, ExpiresAt = T0.AddYears(1) });
        for (var i = 1; i <= 3; i++)
        {
            var holdId = $"h{i}";
            var slices = new List<Slice> { new(BucketSource.Monthly, 4, T0.AddDays(30)), new(BucketSource.Purchase, 2, null) };
            state.Holds.Add(new Hold { HoldId = holdId, JobId = $"job-{i}", Slices = slices, CreatedAt = T0.AddMinutes(i), ExpiresAt = T0.AddMinutes(i + 15) });
            state.Entries.Add(new LedgerEntry(i, T0.AddMinutes(i), LedgerKind.Spend, -6, 61 - i, $"proposal:job-{i}", 2, 1, i == 2 ? "note" : null));
            var key = $"proposal:job-{i}";
            state.Receipts[key] = new Receipt(key, 2, 61 - i, null, holdId, 6);
        }
        var purchase = new PurchaseReceipt("pay-1", 40, 6.00m, T0.AddYears(1), 80, T0);
        state.Receipts["pay-1"] = new Receipt("pay-1", 2, 80, purchase);
        state.Totals.Add(LedgerKind.Purchase, 40, 1);
        return state;
    }

    internal static JobState Job()
    {
        var state = new JobState
        {
            JobId = "logo-42",
            IsPosted = true,
            ClientId = "acme",
            Terms = new JobTerms(800, BudgetType.Fixed, ProjectDuration.OneToFourWeeks),
            Category = "design",
            Status = JobStatus.Open,
            PostedAt = T0,
            EventSequence = 3,
            LastPrice = 12,
            NextBidOrder = 2,
        };
        for (var i = 0; i < 4; i++)
        {
            var freelancer = $"f{i}";
            var held = new List<Slice> { new(BucketSource.Monthly, 12, T0.AddDays(30)) };
            state.Proposals[freelancer] = new Proposal
            {
                FreelancerId = freelancer, HoldId = $"h{i}", ConnectsCharged = 12, Charged = held, SubmittedAt = T0.AddMinutes(i),
                AwaitingWallet = i == 3,
            };
            if (i == 1)
                state.Bids[freelancer] = new BoostBid { FreelancerId = freelancer, Bid = 5, BidOrder = 1, BidAt = T0.AddMinutes(i), Held = held, Charged = 5 };
        }
        state.AbortedHolds.Add("h9");
        state.Invited.Add("f2");
        state.PendingEvents = [new ConnectsEvent("job:logo-42:3", "connects.job.price-changed", "logo-42", 3, T0, LedgerKind.Spend, 0, 0, "job:logo-42", null, new JobChange(JobStatus.Open, 10, 12))];
        return state;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    // Written by commit 43df489's build: Convert.ToBase64String(Serializer.SerializeToArray(Wallet())) and of Job().
    private const string WalletPayload =
        "IEAHYWRhAQMJAwXBASGAAJyHkJ4f3wiBAAAAAAAAAADgAQkhAAUh6AgDAQGhIYAA3B6kIGffCIEAAAAAAAAAAODgIOgIAwkBVSGAAByBJF9u4AiBAAAAAAAAAADg4OAhAAch6EAFaDFBC2pvYi0xIQAFIegIAwEBESGAANwepCBn3wiBAAAAAAAAAADg4CDoCAMJAQnBAeDgIYAAon3PjU/fCIEAAAAAAAAAAOAhgAC87uePT98IgQAAAAAAAAAA4OAg6EAFaDJBC2pvYi0yIQAFIegIAwEBESGAANwepCBn3wiBAAAAAAAAAADg4CDoCAMJAQnBAeDgIYAA6EDzjU/fCIEAAAAAAAAAAOAhgAACsguQT98IgQAAAAAAAAAA4OAg6EAFaDNBC2pvYi0zIQAFIegIAwEBESGAANwepCBn3wiBAAAAAAAAAADg4CDoCAMJAQnBAeDgIYAALgQXjk/fCIEAAAAAAAAAAOAhgABIdS+QT98IgQAAAAAAAAAA4ODgIQAHIegABSGAAKJ9z41P3wiBAAAAAAAAAADgCQMZARcB8UEdcHJvcG9zYWw6am9iLTEBCQEFwQHgIOgACSGAAOhA841P3wiBAAAAAAAAAADgCQMZARcB7UEdcHJvcG9zYWw6am9iLTIBCQEFQQlub3Rl4CDoAA0hgAAuBBeOT98IgQAAAAAAAAAA4AkDGQEXAelBHXByb3Bvc2FsOmpvYi0zAQkBBcEB4OAB9QEdAREhAQlBHXByb3Bvc2FsOmpvYi0xIOjAEgIBCQHxwQHBNwEZ4EAdcHJvcG9zYWw6am9iLTIg6MAyAgEJAe3BAcFhARngQB1wcm9wb3NhbDpqb2ItMyDowFICAQkB6cEBwYsBGeBAC3BheS0xIOjAcgIBCQGCAiHowHICAaFBIQAAAgAAAAAAWAIAAAAAAAAhgAAcgSRfbuAIgQAAAAAAAAAA4AGCAiGAAFy6q41P3wiBAAAAAAAAAADg4MEBAQHg4CHoAAEBAQEBAaEBAQEBAQEBAQEBAQEBAQEB4AEDwQEBAcEBARUBAcEB4A==";
    private const string JobPayload =
        "IEAPbG9nby00MgEDQQlhY21lIehAIQAAAAAAAAAAIAMAAAAAAAAJAwEJAwXgQQ1kZXNpZ24JAwEhgABcuquNT98IgQAAAAAAAAAA4MEBwQHBASEBCUEFZjAg6MAnQQVoMAExIQADIegIAwEBMSGAANwepCBn3wiBAAAAAAAAAADg4OAhgABcuquNT98IgQAAAAAAAAAA4AkDAcEBAQEBAeBABWYxIOjAT0EFaDEBMSEAAyHoCAMBATEhgADcHqQgZ98IgQAAAAAAAAAA4ODgIYAAon3PjU/fCIEAAAAAAAAAAOAJAwHBAQEBAQHgQAVmMiDowHdBBWgyATEhAAMh6AgDAQExIYAA3B6kIGffCIEAAAAAAAAAAODg4CGAAOhA841P3wiBAAAAAAAAAADgCQMBwQEBAQEB4EAFZjMg6MCfQQVoMwExIQADIegIAwEBMSGAANwepCBn3wiBAAAAAAAAAADg4OAhgAAuBBeOT98IgQAAAAAAAAAA4AkDAcEBAQEBA+DgIQEDQQVoOeAhAQPBTyDATwEVAQUhgACifc+NT98IgQAAAAAAAAAA4AEBAQHBWQEVAQEBASHg4ODBASEBA0EFZjLgIeABCQENIQADIehAG2pvYjpsb2dvLTQyOjNBNWNvbm5lY3RzLmpvYi5wcmljZS1jaGFuZ2VkwQUBDSGAAFy6q41P3wiBAAAAAAAAAADgCQMZAQEBAUEXam9iOmxvZ28tNDLBASHoCAMBASkBMeDg4AEx4A==";

    [Fact]
    public void A_wallet_stored_by_the_earlier_build_reads_as_it_was_written()
    {
        var read = Serializer.Deserialize<WalletState>(Convert.FromBase64String(WalletPayload));

        Assert.Equal(Json(Wallet()), Json(read));
    }

    [Fact]
    public void A_job_stored_by_the_earlier_build_reads_as_it_was_written()
    {
        var read = Serializer.Deserialize<JobState>(Convert.FromBase64String(JobPayload))!;

        Assert.Equal(Json(Job()), Json(read));
        Assert.Equal(read.Proposals["f1"].Charged, read.Bids["f1"].Held);
    }

    [Fact]
    public void States_written_now_read_back_the_same()
    {
        Assert.Equal(Json(Wallet()), Json(Serializer.Deserialize<WalletState>(Serializer.SerializeToArray(Wallet()))));
        Assert.Equal(Json(Job()), Json(Serializer.Deserialize<JobState>(Serializer.SerializeToArray(Job()))));
    }
}
