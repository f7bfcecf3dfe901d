using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ResourceDiscovery.Owners;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DigiUsher.ResourceDiscovery.Apis;

/// <summary>A rule as the API shows it; <c>position</c> 0 is evaluated first.</summary>
public sealed record OwnerRuleResponse(Guid Id, int Position, string Match, string? Key, string? Value, string OwnerEmail);

/// <summary>
/// A rule to create or replace. <c>match</c>: <c>tagEquals</c> (key, value), <c>tagExists</c> (key),
/// <c>namePrefix</c> (value), <c>resourceType</c> (value, e.g. <c>ec2-instance</c>), <c>region</c> (value).
/// <c>position</c> (create only): where to insert, 0-based; omitted appends.
/// </summary>
public sealed record OwnerRuleRequest(string? Match, string? Key, string? Value, string? OwnerEmail, int? Position);

/// <summary>The complete new order of the organization's rules.</summary>
public sealed record ReorderOwnerRulesRequest(IReadOnlyList<Guid>? RuleIds);

public static class OwnerRulesApi
{
    private static readonly string[] Kinds =
        [ResourceKinds.Instance, ResourceKinds.Volume, ResourceKinds.Snapshot, ResourceKinds.ElasticIp, ResourceKinds.Bucket, ResourceKinds.IamUser, ResourceKinds.AccessKey];

    /// <summary>
    /// <c>/api/v1/owner-rules</c>: the organization's ordered owner assignment rules. Reading needs a
    /// tenant token, changing them an admin's. Changes apply from the next discovery run, which is
    /// requested at once for the organization's data sources.
    /// </summary>
    public static IEndpointRouteBuilder MapOwnerRulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/owner-rules").WithTags("Owner rules");

        group.MapGet("/", ListAsync)
            .WithParameters(ApiParameter.Limit(100, 500), ApiParameter.Cursor)
            .ProducesValidationProblem()
            .RequireScope(Scopes.OwnerRulesRead)
            .WithName("ListOwnerRules")
            .WithSummary("The organization's owner rules, in evaluation order.");

        group.MapGet("/{id:guid}", GetAsync)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Scopes.OwnerRulesRead)
            .WithName("GetOwnerRule")
            .WithSummary("One owner rule.");

        group.MapPost("/", CreateAsync)
            .Accepts<OwnerRuleRequest>("application/json")
            .RequireScope(Scopes.OwnerRulesWrite)
            .WithName("CreateOwnerRule")
            .WithSummary("Adds a rule at a position (default: last).");

        group.MapPut("/{id:guid}", ReplaceAsync)
            .Accepts<OwnerRuleRequest>("application/json")
            .RequireScope(Scopes.OwnerRulesWrite)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithIfMatch()
            .WithName("ReplaceOwnerRule")
            .WithSummary("Replaces a rule's condition and owner; its position stays.");

        group.MapDelete("/{id:guid}", DeleteAsync)
            .RequireScope(Scopes.OwnerRulesWrite)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithIfMatch()
            .WithName("DeleteOwnerRule")
            .WithSummary("Deletes a rule; later rules move up.");

        group.MapPut("/order", ReorderAsync)
            .Accepts<ReorderOwnerRulesRequest>("application/json")
            .RequireScope(Scopes.OwnerRulesWrite)
            .WithName("ReorderOwnerRules")
            .WithSummary("Sets the evaluation order of all rules.");

        return app;
    }

    // A page continues after the last rule's position (rules are listed in position order).
    private const string ListQuery = "owner-rules";

    private static async Task<Ok<Page<OwnerRuleResponse>>> ListAsync(HttpContext http, OwnerRuleStore rules, CursorCodec cursors, CancellationToken ct)
    {
        var limit = PageParameters.Limit(http.Request.Query, 100, 500);
        var after = cursors.DecodeOffset(PageParameters.Single(http.Request.Query, "cursor"), ListQuery);
        var all = await rules.ListAsync(http.User.GetOrganizationId(), ct);
        var fetched = all.Where(r => r.Position >= after).Take(limit + 1).Select(ToResponse).ToList();
        return TypedResults.Ok(Page<OwnerRuleResponse>.Of(fetched, limit, r => cursors.EncodeOffset(r.Position + 1, ListQuery)));
    }

    private static async Task<Results<Created<OwnerRuleResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpContext http, OwnerRuleStore rules, DiscoveryStore discovery, CancellationToken ct)
    {
        var (request, problem) = await RequestBody.ReadAsync<OwnerRuleRequest>(http.Request, ct);
        if (request is null)
        {
            return problem!;
        }

        if (Validate(request, out var match) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var organizationId = http.User.GetOrganizationId();
        var rule = await rules.CreateAsync(organizationId, match, Clean(request.Key), Clean(request.Value), request.OwnerEmail!.Trim(), request.Position, ct);
        await discovery.RequestRunsAsync(organizationId, ct);
        return TypedResults.Created($"/api/v1/owner-rules/{rule.RuleId}", ToResponse(rule));
    }

    private static async Task<Results<Ok<OwnerRuleResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, OwnerRuleStore rules, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (await rules.GetAsync(http.User.GetOrganizationId(), id, ct) is not { } rule)
        {
            return NotFound(id);
        }

        var response = ToResponse(rule);
        return ETags.Answer(http, ETags.Of(response, json.Value.SerializerOptions)) ? TypedResults.StatusCode(StatusCodes.Status304NotModified) : TypedResults.Ok(response);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, HttpContext http, OwnerRuleStore rules, DiscoveryStore discovery, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var organizationId = http.User.GetOrganizationId();
        switch (await rules.DeleteAsync(organizationId, id, IfMatchHolds(http, json.Value), ct))
        {
            case OwnerRuleChange.NotFound:
                return NotFound(id);
            case OwnerRuleChange.PreconditionFailed:
                return ETags.PreconditionFailed($"Owner rule {id}");
        }

        await discovery.RequestRunsAsync(organizationId, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<OwnerRuleResponse>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        Guid id, HttpContext http, OwnerRuleStore rules, DiscoveryStore discovery, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (request, problem) = await RequestBody.ReadAsync<OwnerRuleRequest>(http.Request, ct);
        if (request is null)
        {
            return problem!;
        }

        if (Validate(request, out var match) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var organizationId = http.User.GetOrganizationId();
        var (outcome, rule) = await rules.UpdateAsync(organizationId, id, match, Clean(request.Key), Clean(request.Value), request.OwnerEmail!.Trim(), IfMatchHolds(http, json.Value), ct);
        switch (outcome)
        {
            case OwnerRuleChange.NotFound:
                return NotFound(id);
            case OwnerRuleChange.PreconditionFailed:
                return ETags.PreconditionFailed($"Owner rule {id}");
        }

        await discovery.RequestRunsAsync(organizationId, ct);
        var response = ToResponse(rule!);
        http.Response.Headers.ETag = ETags.Of(response, json.Value.SerializerOptions);
        return TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<Page<OwnerRuleResponse>>, ValidationProblem, ProblemHttpResult>> ReorderAsync(
        HttpContext http, OwnerRuleStore rules, DiscoveryStore discovery, CancellationToken ct)
    {
        var (request, problem) = await RequestBody.ReadAsync<ReorderOwnerRulesRequest>(http.Request, ct);
        if (request is null)
        {
            return problem!;
        }

        var organizationId = http.User.GetOrganizationId();
        var ids = request.RuleIds ?? [];
        if (ids.Distinct().Count() != ids.Count || !await rules.ReorderAsync(organizationId, ids, ct))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["ruleIds"] = ["ruleIds must list every rule of the organization exactly once, in the new order."],
            });
        }

        await discovery.RequestRunsAsync(organizationId, ct);
        return TypedResults.Ok(new Page<OwnerRuleResponse>([.. (await rules.ListAsync(organizationId, ct)).Select(ToResponse)], null));
    }

    private static Dictionary<string, string[]>? Validate(OwnerRuleRequest request, out OwnerRuleMatch match)
    {
        var errors = new Dictionary<string, string[]>();
        match = default;
        if (string.IsNullOrWhiteSpace(request.Match) || !Enum.TryParse(request.Match, ignoreCase: true, out match) || !Enum.IsDefined(match))
        {
            errors["match"] = ["match must be one of tagEquals, tagExists, namePrefix, resourceType, region."];
        }
        else
        {
            var needsKey = match is OwnerRuleMatch.TagEquals or OwnerRuleMatch.TagExists;
            var needsValue = match is not OwnerRuleMatch.TagExists;
            if (needsKey && string.IsNullOrWhiteSpace(request.Key))
            {
                errors["key"] = [$"{OwnerRuleStore.Name(match)} needs the tag key."];
            }

            if (needsValue && string.IsNullOrWhiteSpace(request.Value))
            {
                errors["value"] = [$"{OwnerRuleStore.Name(match)} needs a value."];
            }
            else if (match == OwnerRuleMatch.ResourceType && !Kinds.Contains(request.Value!.Trim()))
            {
                errors["value"] = ["resourceType must be one of " + string.Join(", ", Kinds) + "."];
            }
        }

        if (!OwnerAssignment.IsEmail(request.OwnerEmail))
        {
            errors["ownerEmail"] = ["ownerEmail must be an email address (at most 254 characters, 64 before the @)."];
        }

        if (request.Position is < 0)
        {
            errors["position"] = ["position must be 0 or more."];
        }

        // The AWS tag limits; and no control characters (Postgres text cannot hold NUL, and no tag or name has one).
        Text(errors, "key", request.Key, 128);
        Text(errors, "value", request.Value, 256);
        if (request.OwnerEmail?.Any(char.IsControl) == true)
        {
            errors["ownerEmail"] = ["ownerEmail must not contain control characters."];
        }

        return errors.Count > 0 ? errors : null;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? text, int maxLength)
    {
        if (text is null)
        {
            return;
        }

        if (text.Length > maxLength)
        {
            errors[field] = [$"{field} is at most {maxLength} characters (the AWS tag limit); it has {text.Length}."];
        }
        else if (text.Any(char.IsControl))
        {
            errors[field] = [$"{field} must not contain control characters."];
        }
    }

    /// <summary>The request's If-Match against a rule's current ETag (that of its GET).</summary>
    private static Func<OwnerRule, bool> IfMatchHolds(HttpContext http, JsonOptions json) =>
        rule => ETags.IfMatchHolds(http.Request, ETags.Of(ToResponse(rule), json.SerializerOptions));

    private static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Owner rule not found", detail: $"There is no owner rule {id} in your organization.");

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static OwnerRuleResponse ToResponse(OwnerRule rule) =>
        new(rule.RuleId, rule.Position, OwnerRuleStore.Name(rule.Match), rule.Key, rule.Value, rule.OwnerEmail);
}
