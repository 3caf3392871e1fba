using Connects.Contracts;
using Connects.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Connects.Api.Endpoints;

public static class JobEndpoints
{
    public static RouteGroupBuilder MapJobs(this RouteGroupBuilder v1)
    {
        var jobs = v1.MapGroup("/jobs/{jobId}").WithTags("Jobs").RequireAuthorization(Security.Marketplace);

        jobs.MapPut("", async Task<Results<Created<JobResponse>, Ok<JobResponse>>> (string jobId, PostJobRequest body, IGrainFactory grains) =>
        {
            var terms = new JobTerms(body.BudgetUsd!.Value, body.BudgetType!.Value.ToDomain(), body.Duration!.Value.ToDomain());
            var posted = await grains.Job(jobId).Post(new JobPosting(body.ClientId!, terms, body.Category!));
            var response = JobResponse.From(posted.Job);
            return posted.Created ? TypedResults.Created($"/v1/jobs/{jobId}", response) : TypedResults.Ok(response);
        }).WithName("postJob").WithSummary("Post a job or change its terms (idempotent)").Refuses(StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapGet("", async Task<Results<Ok<JobResponse>, ProblemHttpResult>> (string jobId, IGrainFactory grains) =>
            await grains.Job(jobId).GetJob() is { } job
                ? TypedResults.Ok(JobResponse.From(job))
                : Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist."))
            .WithName("getJob").WithSummary("The job with its current price in Connects").Refuses(StatusCodes.Status404NotFound);

        jobs.MapPost("/proposals", Submit).WithName("submitProposal")
            .WithSummary("Submit a proposal, with a boost bid if given: charges the job's price (never more than expectedConnects) and the bid; a retry answers 200 with the same proposal")
            .Refuses(StatusCodes.Status402PaymentRequired, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapGet("/proposals", async Task<Results<Ok<ProposalListResponse>, ProblemHttpResult>> (string jobId, IGrainFactory grains) =>
            await grains.Job(jobId).GetProposals() is { } ranked
                ? TypedResults.Ok(new ProposalListResponse(jobId, [.. ranked.Select(RankedProposalResponse.From)]))
                : Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist."))
            .WithName("listProposals").WithSummary("The client's list: boosted proposals by bid, then the others by submission time")
            .Refuses(StatusCodes.Status404NotFound);

        jobs.MapPut("/proposals/{freelancerId}/boost", Boost).WithName("boostProposal")
            .WithSummary("Bid for a top spot, or raise the bid: charges what the bid needs; the same bid again charges nothing")
            .Refuses(StatusCodes.Status402PaymentRequired, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapPost("/invitations", async Task<Results<Created<InvitationResponse>, Ok<InvitationResponse>>> (string jobId, InvitationRequest body, IGrainFactory grains) =>
        {
            var response = new InvitationResponse(jobId, body.FreelancerId!);
            return await grains.Job(jobId).Invite(body.FreelancerId!)
                ? TypedResults.Created($"/v1/jobs/{jobId}/invitations/{body.FreelancerId}", response)
                : TypedResults.Ok(response);
        }).WithName("inviteFreelancer").WithSummary("Invite a freelancer: their proposal to this job costs no Connects (a bid still does)")
            .Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapDelete("/proposals/{freelancerId}", async (string jobId, string freelancerId, IGrainFactory grains) =>
            TypedResults.Ok(ProposalStatusResponse.From(jobId, await grains.Job(jobId).Withdraw(freelancerId))))
            .WithName("withdrawProposal").WithSummary("Withdraw a proposal (no refund)").Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapPost("/proposals/{freelancerId}/decline", async (string jobId, string freelancerId, IGrainFactory grains) =>
            TypedResults.Ok(ProposalStatusResponse.From(jobId, await grains.Job(jobId).Decline(freelancerId))))
            .WithName("declineProposal").WithSummary("The client declines a proposal (no refund)").Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapPost("/hire", async (string jobId, HireRequest body, IGrainFactory grains) =>
            TypedResults.Ok(JobResponse.From(await grains.Job(jobId).Hire(body.FreelancerId!))))
            .WithName("hireFreelancer").WithSummary("Hire a freelancer; the job is filled (no refunds)").Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

        jobs.MapPost("/cancel", async (string jobId, CancelRequest body, IGrainFactory grains) =>
            TypedResults.Ok(JobResponse.From(await grains.Cancellation(jobId).Cancel(body.Reason!.Value.ToDomain()))))
            .WithName("cancelJob").WithSummary("Cancel without hiring or remove: every proposal not withdrawn is refunded, once")
            .Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);
        return v1;
    }

    private static async Task<Results<Created<ProposalResponse>, Ok<ProposalResponse>, ProblemHttpResult>> Submit(
        string jobId, SubmitProposalRequest body, IGrainFactory grains, HttpResponse http)
    {
        var freelancerId = body.FreelancerId!;
        var result = body.BoostBid is { } bid
            ? await grains.Wallet(freelancerId).SubmitBoostedProposal(jobId, body.ExpectedConnects!.Value, bid)
            : await grains.Wallet(freelancerId).SubmitProposal(jobId, body.ExpectedConnects!.Value);
        if (result.Displaced) await DeliverGiveBacks(grains, jobId);
        if (result.BidRefused is { } refused)
            return BidProblem(http, jobId, freelancerId, "boostBid", new BidResult(refused, result.BoostBid, Needed: result.ConnectsRequired,
                Available: result.Available, NextRefreshAt: result.NextRefreshAt));
        var response = new ProposalResponse(jobId, freelancerId, result.ConnectsCharged, result.Balance, result.BoostBid, result.Boosted);
        return result.Outcome switch
        {
            SubmissionOutcome.Submitted => TypedResults.Created($"/v1/jobs/{jobId}/proposals/{freelancerId}", response),
            SubmissionOutcome.AlreadySubmitted => TypedResults.Ok(response),
            SubmissionOutcome.InsufficientConnects => TypedResults.Problem(Problems.InsufficientConnects(
                $"This job needs {result.ConnectsRequired} Connects; {result.Available} are available.",
                result.ConnectsRequired, result.Available, result.NextRefreshAt)),
            SubmissionOutcome.PriceChanged => TypedResults.Problem(Problems.Conflict(Refusals.PriceChanged,
                "The job's price is above what you expected.",
                $"The job now needs {result.ConnectsRequired} Connects; submit again with expectedConnects >= {result.ConnectsRequired}.",
                connectsRequired: result.ConnectsRequired)),
            SubmissionOutcome.JobNotOpen => TypedResults.Problem(Problems.Conflict(Refusals.JobNotOpen,
                "The job is not open.", $"Job {jobId} no longer takes proposals.")),
            SubmissionOutcome.JobNotFound => Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist."),
            SubmissionOutcome.AuctionClosed => AuctionClosed(jobId),
            _ => Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet."),
        };
    }

    private static async Task<Results<Ok<BoostResponse>, ProblemHttpResult>> Boost(
        string jobId, string freelancerId, BoostRequest body, IGrainFactory grains, HttpResponse http)
    {
        var result = await grains.Wallet(freelancerId).Boost(jobId, body.Bid!.Value);
        if (result.Outcome is not (BidOutcome.Placed or BidOutcome.Unchanged)) return BidProblem(http, jobId, freelancerId, "bid", result);
        if (result.Displaced) await DeliverGiveBacks(grains, jobId);
        return TypedResults.Ok(new BoostResponse(jobId, freelancerId, result.Bid, result.Charged, result.Boosted, result.Balance));
    }

    /// <summary>A bid that pushed another out owes it back at once: delivered now, or by the job's reminder if this fails.</summary>
    private static async Task DeliverGiveBacks(IGrainFactory grains, string jobId)
    {
        try
        {
            await grains.Cancellation(jobId).Deliver();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The bid stands; the job's reminder delivers what is still owed.
        }
    }

    /// <summary>A refused bid as the problem of its rule; <paramref name="field"/> names the request's bid field. The 402 and
    /// the 409s are the typed problems the document describes (<see cref="InsufficientConnectsProblem"/>, <see cref="ConflictProblem"/>).</summary>
    private static ProblemHttpResult BidProblem(HttpResponse http, string jobId, string freelancerId, string field, BidResult result)
    {
        switch (result.Outcome)
        {
            case BidOutcome.BidNotHigher:
                return TypedResults.Problem(Problems.Conflict(Refusals.BidNotHigher, "The bid is not above the current one.",
                    $"The current bid is {result.Bid}; a raise must be above it.", field: field, currentBid: result.Bid));
            case BidOutcome.AuctionClosed or BidOutcome.JobNotOpen:
                return AuctionClosed(jobId);
            case BidOutcome.ProposalNotFound:
                return Problems.NotFound(Refusals.ProposalNotFound, $"Freelancer {freelancerId} has no proposal on job {jobId}.");
            case BidOutcome.ProposalNotActive:
                return TypedResults.Problem(Problems.Conflict(Refusals.ProposalNotActive, "The proposal is not active.", "Only an active proposal can be boosted."));
            case BidOutcome.JobNotFound:
                return Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist.");
            case BidOutcome.WalletNotFound:
                return Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet.");
            case BidOutcome.InsufficientConnects:
                return TypedResults.Problem(Problems.InsufficientConnects($"This bid needs {result.Needed} Connects; {result.Available} are available.",
                    result.Needed, result.Available, result.NextRefreshAt));
            default:
                // The top spots kept moving while the bid was placed: the bid was not placed (nothing charged for it), and the
                // same request again is safe.
                http.Headers.RetryAfter = "1";
                return TypedResults.Problem(Problems.Make(StatusCodes.Status503ServiceUnavailable, Problems.Unavailable,
                    "The auction moved while bidding.", "Other bids changed the top spots while this one was placed; retry the same request."));
        }
    }

    private static ProblemHttpResult AuctionClosed(string jobId) => TypedResults.Problem(Problems.Conflict(
        Refusals.AuctionClosed, "The auction is closed.", $"Job {jobId} no longer takes bids for its boosted spots."));
}
