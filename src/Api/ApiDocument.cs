using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Connects.Api;

/// <summary>
/// The API's contract, <c>/openapi/v1.json</c>, as ASP.NET Core describes it from the endpoints' metadata, completed here
/// so a client can be generated from it: every answer an operation gives (its successes from its typed results, its
/// refusals as problem details), the bearer scheme with the roles each operation needs, tag descriptions, request
/// fields that are required and not nullable, and the values an enumeration takes. Only <c>/v1</c> is public: health,
/// metrics, the dashboard and the sandbox clock are operational routes and stay out.
/// </summary>
public static class ApiDocument
{
    public const string ProblemJson = "application/problem+json";
    public const string BearerScheme = "bearer";

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Wallets", "A freelancer's Connects: open the wallet, change the membership plan, buy bundles, read the balance and the ledger."),
        ("Jobs", "Jobs and their proposals: post a job with its price in Connects, submit, bid for the 4 boosted spots at the top of the client's list, invite, withdraw, decline, hire and cancel."),
        ("Admin", "Operators: grant Connects and audit every ledger and job from storage."),
    ];

    /// <summary>What each refusal means, as the document describes its answer.</summary>
    private static readonly Dictionary<int, string> Refusals = new()
    {
        [StatusCodes.Status400BadRequest] = "The request is not valid (`/problems/validation`, or the rule, e.g. `/problems/invalid-bundle`); `errors` names each field at fault. Nothing changed.",
        [StatusCodes.Status401Unauthorized] = "No valid bearer token (`/problems/unauthenticated`).",
        [StatusCodes.Status402PaymentRequired] = "Not enough Connects (`/problems/insufficient-connects`): `required` (a proposal's price plus its bid, or what a bid needs), `available` and `nextRefreshAt` say how many are needed, how many can be spent and when more arrive. Nothing was charged, except that a proposal submitted with a bid stands, charged, when only its bid was refused.",
        [StatusCodes.Status403Forbidden] = "The token's roles do not allow this operation (`/problems/forbidden`).",
        [StatusCodes.Status404NotFound] = "The wallet, job or proposal does not exist (`/problems/wallet-not-found`, `/problems/job-not-found`, `/problems/proposal-not-found`).",
        [StatusCodes.Status409Conflict] = "The request conflicts with the current state: `/problems/price-changed` (with `connectsRequired`), `/problems/bid-not-higher` (with `currentBid` and the bid's `field`), `/problems/auction-closed`, `/problems/job-not-open`, `/problems/job-conflict`, `/problems/proposal-not-active` or `/problems/reference-reused`. Nothing changed, except that a proposal submitted with a bid stands, charged, when only its bid was refused.",
        [StatusCodes.Status413PayloadTooLarge] = "The body is larger than the service accepts (`/problems/payload-too-large`).",
        [StatusCodes.Status415UnsupportedMediaType] = "The body is not JSON (`/problems/unsupported-media-type`).",
        [StatusCodes.Status429TooManyRequests] = "Too many writes by this caller (`/problems/rate-limited`); `Retry-After` says when to try again.",
        [StatusCodes.Status503ServiceUnavailable] = "The cluster did not answer in time, or other bids kept moving the top spots while a bid was placed (`/problems/service-unavailable`); `Retry-After` says when to repeat the same request, which is safe.",
    };

    public static IServiceCollection AddConnectsOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.ShouldInclude = description => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            Describe(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            Secure(operation, context);
            foreach (var (status, response) in operation.Responses ?? [])
                if (int.TryParse(status, CultureInfo.InvariantCulture, out var code) && Refusals.TryGetValue(code, out var meaning) && response is OpenApiResponse concrete)
                    concrete.Description = meaning;
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            NamesEnumValues(schema, context.JsonTypeInfo.Type);
            RequiredAreNotNullable(schema, context);
            OmittedWhenNull(schema, context);
            OneProblemShape(schema, context.JsonTypeInfo.Type);
            AllowedValues(schema, context);
            return Task.CompletedTask;
        });
    });

    /// <summary>Documents the refusals every <c>/v1</c> operation can give because of what it is: 400 and 503 (every
    /// one), 401 and 403 (it needs a token), 429 (it is a rate-limited write), 413 and 415 (it reads a JSON body).</summary>
    public static TBuilder DocumentsRefusals<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            List<int> statuses = [StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable];
            if (metadata.OfType<IAuthorizeData>().Any()) statuses.AddRange([StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden]);
            if (metadata.OfType<EnableRateLimitingAttribute>().Any()) statuses.Add(StatusCodes.Status429TooManyRequests);
            if (metadata.OfType<IAcceptsMetadata>().Any()) statuses.AddRange([StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType]);
            foreach (var status in statuses) endpoint.Metadata.Add(ProblemResponse(status));
        });
        return builder;
    }

    /// <summary>Documents refusals of the domain this operation gives (404, 402, 409), each with its problem schema.</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params int[] statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        return builder.WithMetadata([.. statuses.Select(ProblemResponse)]);
    }

    private static ProducesResponseTypeMetadata ProblemResponse(int status) => new(status, status switch
    {
        StatusCodes.Status400BadRequest => typeof(HttpValidationProblemDetails),
        StatusCodes.Status402PaymentRequired => typeof(InsufficientConnectsProblem),
        StatusCodes.Status409Conflict => typeof(ConflictProblem),
        _ => typeof(ProblemDetails),
    }, [ProblemJson]);

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Connects API",
            Version = "v1",
            Description = "The Connects economy of a freelance marketplace: wallets, bundles, jobs priced in Connects, proposals and the ledger. " +
                "Every refusal is an RFC 9457 problem (`application/problem+json`) whose `type` names the rule, e.g. `/problems/insufficient-connects`.",
        };
        // A fixed address (the quick start's), so the document and a client generated from it do not depend on where it was fetched.
        document.Servers = [new OpenApiServer { Url = "http://localhost:5080", Description = "The quick start: dotnet run --project src/Api" }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = BearerSchemeOf();
    }

    private static OpenApiSecurityScheme BearerSchemeOf() => new()
    {
        Type = SecuritySchemeType.Http,
        Scheme = "bearer",
        BearerFormat = "JWT",
        Description = $"A JWT whose `role` claims are its roles: `{Security.Marketplace}` (the web tier), `{Security.Freelancer}` (its own wallet and history, read only; the subject is the freelancer id) or `{Security.Admin}`.",
    };

    /// <summary>The bearer scheme on every operation that needs a token, with the roles its policies accept.</summary>
    private static void Secure(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
        if (policies.Count == 0) return;
        var roles = policies.Select(Security.RolesOf).Aggregate((a, b) => [.. a.Intersect(b)]);
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(BearerScheme, BearerSchemeOf());
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [.. roles] }];
        var stated = "Roles: " + string.Join(", ", roles.Select(r => $"`{r}`")) +
            (roles.Contains(Security.Freelancer) ? $" (a `{Security.Freelancer}` token only for its own wallet)." : ".");
        operation.Description = operation.Description is { Length: > 0 } existing ? existing + "\n\n" + stated : stated;
    }

    /// <summary>A wire enum is a string that takes its members' wire names.</summary>
    private static void NamesEnumValues(OpenApiSchema schema, Type type)
    {
        if (!type.IsEnum || type.Namespace != typeof(Wire.Plan).Namespace) return;
        schema.Type = JsonSchemaType.String;
        schema.Enum = [.. type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (JsonNode)JsonValue.Create(f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name))];
    }

    /// <summary>A request field marked [Required] is nullable in C# only so that a missing one is a 400 naming it, not
    /// a default: on the wire it is required and never null.</summary>
    private static void RequiredAreNotNullable(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (context.JsonPropertyInfo is not null || schema.Properties is null) return;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AssociatedParameter?.AttributeProvider is not { } attributes) continue;
            if (!schema.Properties.TryGetValue(property.Name, out var field) || field is not OpenApiSchema concrete) continue;
            Constrain(concrete, attributes);
            if (!attributes.IsDefined(typeof(RequiredAttribute), inherit: true)) continue;
            if (concrete.Type is { } type) concrete.Type = type & ~JsonSchemaType.Null;
            // A field whose schema becomes a component (an enum) is marked for the framework to wrap it in oneOf [null, $ref].
            foreach (var mark in concrete.Metadata?.Keys.Where(k => k.Contains("nullable", StringComparison.OrdinalIgnoreCase)).ToList() ?? [])
                concrete.Metadata!.Remove(mark);
        }
    }

    /// <summary>The limits a request record's validation attributes set on a field (they sit on the constructor's
    /// parameters, where the framework's schema does not read them).</summary>
    private static void Constrain(OpenApiSchema field, ICustomAttributeProvider attributes)
    {
        foreach (var attribute in attributes.GetCustomAttributes(typeof(ValidationAttribute), inherit: true))
        {
            switch (attribute)
            {
                case RangeAttribute range:
                    field.Minimum = Convert.ToString(range.Minimum, CultureInfo.InvariantCulture);
                    field.Maximum = Convert.ToString(range.Maximum, CultureInfo.InvariantCulture);
                    break;
                case RegularExpressionAttribute regex:
                    field.Pattern = regex.Pattern;
                    break;
                case StringLengthAttribute length:
                    field.MinLength = length.MinimumLength;
                    field.MaxLength = length.MaximumLength;
                    break;
            }
        }
    }

    /// <summary>A field left out when it has no value (<c>[JsonIgnore(Condition = WhenWritingNull)]</c>) is optional, never null.</summary>
    private static void OmittedWhenNull(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (context.JsonPropertyInfo is not null || schema.Properties is null) return;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>()
                    .Any(a => a.Condition == JsonIgnoreCondition.WhenWritingNull) != true) continue;
            if (schema.Properties.TryGetValue(property.Name, out var field) && field is OpenApiSchema { Type: { } type } concrete)
                concrete.Type = type & ~JsonSchemaType.Null;
            schema.Required?.Remove(property.Name);
        }
    }

    /// <summary>Every problem the API writes has a type naming the rule, a title, the status and a detail (see
    /// <see cref="Problems.Normalize"/>) and a <c>traceId</c>; a refusal may carry fields of its own besides.</summary>
    private static void OneProblemShape(OpenApiSchema schema, Type type)
    {
        if (!typeof(ProblemDetails).IsAssignableFrom(type) || schema.Properties is null) return;
        string[] always = ["type", "title", "status", "detail"];
        foreach (var name in always)
            if (schema.Properties.TryGetValue(name, out var field) && field is OpenApiSchema { Type: { } fieldType } concrete)
                concrete.Type = fieldType & ~JsonSchemaType.Null;
        schema.Required ??= new HashSet<string>();
        foreach (var name in always) schema.Required.Add(name);
        if (schema.Properties["type"] is OpenApiSchema typeField)
            typeField.Description = "The rule that refused the request, as `/problems/{rule}` (e.g. `/problems/insufficient-connects`).";
        schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace, for the service's logs." };
        schema.AdditionalPropertiesAllowed = true;
        schema.AdditionalProperties = null;
    }

    /// <summary>A query parameter limited by [AllowedValues] (history's <c>days</c>) says its values.</summary>
    private static void AllowedValues(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var parameter = (context.ParameterDescription?.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo;
        if (parameter?.GetCustomAttribute<AllowedValuesAttribute>() is not { } allowed) return;
        schema.Enum = [.. allowed.Values.Select(v => JsonSerializer.SerializeToNode(v)!)];
    }
}
