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
        }).WithSummary("Post a job or change its terms (idempotent)").RequireRateLimiting(Security.Writes);

        jobs.MapGet("", async Task<IResult> (string jobId, IGrainFactory grains) =>
            await grains.Job(jobId).GetJob() is { } job
                ? TypedResults.Ok(JobResponse.From(job))
                : Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist."))
            .WithSummary("The job with its current price in Connects");

        jobs.MapPost("/proposals", Submit).WithSummary("Submit a proposal: charges the job's price, never more than expectedConnects").RequireRateLimiting(Security.Writes);

        jobs.MapDelete("/proposals/{freelancerId}", async (string jobId, string freelancerId, IGrainFactory grains) =>
            TypedResults.Ok(ProposalStatusResponse.From(jobId, await grains.Job(jobId).Withdraw(freelancerId))))
            .WithSummary("Withdraw a proposal (no refund)").RequireRateLimiting(Security.Writes);

        jobs.MapPost("/proposals/{freelancerId}/decline", async (string jobId, string freelancerId, IGrainFactory grains) =>
            TypedResults.Ok(ProposalStatusResponse.From(jobId, await grains.Job(jobId).Decline(freelancerId))))
            .WithSummary("The client declines a proposal (no refund)").RequireRateLimiting(Security.Writes);

        jobs.MapPost("/hire", async (string jobId, HireRequest body, IGrainFactory grains) =>
            TypedResults.Ok(JobResponse.From(await grains.Job(jobId).Hire(body.FreelancerId!))))
            .WithSummary("Hire a freelancer; the job is filled (no refunds)").RequireRateLimiting(Security.Writes);

        jobs.MapPost("/cancel", async (string jobId, CancelRequest body, IGrainFactory grains) =>
            TypedResults.Ok(JobResponse.From(await grains.Cancellation(jobId).Cancel(body.Reason!.Value.ToDomain()))))
            .WithSummary("Cancel without hiring or remove: every proposal not withdrawn is refunded, once").RequireRateLimiting(Security.Writes);
        return v1;
    }

    private static async Task<IResult> Submit(string jobId, SubmitProposalRequest body, IGrainFactory grains)
    {
        var freelancerId = body.FreelancerId!;
        var result = await grains.Wallet(freelancerId).SubmitProposal(jobId, body.ExpectedConnects!.Value);
        var response = new ProposalResponse(jobId, freelancerId, result.ConnectsCharged, result.Balance);
        return result.Outcome switch
        {
            SubmissionOutcome.Submitted => TypedResults.Created($"/v1/jobs/{jobId}/proposals/{freelancerId}", response),
            SubmissionOutcome.AlreadySubmitted => TypedResults.Ok(response),
            SubmissionOutcome.InsufficientConnects => TypedResults.Problem(Problems.Make(StatusCodes.Status402PaymentRequired,
                Refusals.InsufficientConnects, "Not enough Connects.",
                $"This job needs {result.ConnectsRequired} Connects; {result.Available} are available.",
                new Dictionary<string, object?>
                {
                    ["required"] = result.ConnectsRequired,
                    ["available"] = result.Available,
                    ["nextRefreshAt"] = result.NextRefreshAt,
                })),
            SubmissionOutcome.PriceChanged => TypedResults.Problem(Problems.Make(StatusCodes.Status409Conflict, Refusals.PriceChanged,
                "The job's price is above what you expected.",
                $"The job now needs {result.ConnectsRequired} Connects; submit again with expectedConnects >= {result.ConnectsRequired}.",
                new Dictionary<string, object?> { ["connectsRequired"] = result.ConnectsRequired })),
            SubmissionOutcome.JobNotOpen => TypedResults.Problem(Problems.Make(StatusCodes.Status409Conflict, Refusals.JobNotOpen,
                "The job is not open.", $"Job {jobId} no longer takes proposals.")),
            SubmissionOutcome.JobNotFound => Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist."),
            _ => Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet."),
        };
    }
}
