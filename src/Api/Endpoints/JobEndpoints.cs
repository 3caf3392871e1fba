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
            .WithSummary("Submit a proposal: charges the job's price, never more than expectedConnects; a retry answers 200 with the same proposal")
            .Refuses(StatusCodes.Status402PaymentRequired, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRateLimiting(Security.Writes);

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

    private static async Task<Results<Created<ProposalResponse>, Ok<ProposalResponse>, ProblemHttpResult>> Submit(string jobId, SubmitProposalRequest body, IGrainFactory grains)
    {
        var freelancerId = body.FreelancerId!;
        var result = await grains.Wallet(freelancerId).SubmitProposal(jobId, body.ExpectedConnects!.Value);
        var response = new ProposalResponse(jobId, freelancerId, result.ConnectsCharged, result.Balance);
        return result.Outcome switch
        {
            SubmissionOutcome.Submitted => TypedResults.Created($"/v1/jobs/{jobId}/proposals/{freelancerId}", response),
            SubmissionOutcome.AlreadySubmitted => TypedResults.Ok(response),
            SubmissionOutcome.InsufficientConnects => TypedResults.Problem(new InsufficientConnectsProblem
            {
                Status = StatusCodes.Status402PaymentRequired,
                Type = Problems.TypeOf(Refusals.InsufficientConnects),
                Title = "Not enough Connects.",
                Detail = $"This job needs {result.ConnectsRequired} Connects; {result.Available} are available.",
                Required = result.ConnectsRequired,
                Available = result.Available,
                NextRefreshAt = result.NextRefreshAt ?? throw new InvalidOperationException("An insufficient-connects answer always says when the next refresh is."),
            }),
            SubmissionOutcome.PriceChanged => TypedResults.Problem(Problems.Conflict(Refusals.PriceChanged,
                "The job's price is above what you expected.",
                $"The job now needs {result.ConnectsRequired} Connects; submit again with expectedConnects >= {result.ConnectsRequired}.",
                connectsRequired: result.ConnectsRequired)),
            SubmissionOutcome.JobNotOpen => TypedResults.Problem(Problems.Conflict(Refusals.JobNotOpen,
                "The job is not open.", $"Job {jobId} no longer takes proposals.")),
            SubmissionOutcome.JobNotFound => Problems.NotFound(Refusals.JobNotFound, $"Job {jobId} does not exist."),
            _ => Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet."),
        };
    }
}
