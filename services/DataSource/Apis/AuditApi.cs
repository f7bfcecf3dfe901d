using System.Globalization;
using System.Security.Claims;
using DigiUsher.DataSource.Audit;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>The organization's audit log: admins (and service clients an admin granted <c>audit:read</c>) only.</summary>
public static class AuditApi
{
    private static readonly ApiParameter Action = new("action", ApiParameterType.String,
        "One action (user.signed-in), or every action of an area when it ends with a dot (user., data-source., service-client., organization.).")
    { Example = "user.sign-in-failed" };

    private static readonly ApiParameter ActorId = new("actorId", ApiParameterType.String, "Only what this user or service client (its id) did.");

    private static readonly ApiParameter TargetId = new("targetId", ApiParameterType.String, "Only what was done to this user, data source or service client (its id).");

    private static readonly ApiParameter Outcome = new("outcome", ApiParameterType.String, "Only succeeded or only failed attempts.")
    { Values = ["succeeded", "failed"], SchemaName = "AuditOutcome" };

    private static readonly ApiParameter Since = new("since", ApiParameterType.Date, "First day included (yyyy-MM-dd, UTC).");

    private static readonly ApiParameter Until = new("until", ApiParameterType.Date, "Last day included (yyyy-MM-dd, UTC).");

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", ListAsync)
            .WithTags("Audit")
            .WithParameters(Action, ActorId, TargetId, Outcome, Since, Until, ApiParameter.Limit(50, 200), ApiParameter.Cursor)
            .Produces<Page<AuditEventView>>()
            .ProducesValidationProblem()
            .RequireScope(Scopes.AuditRead)
            .WithName("ListAuditEvents")
            .WithSummary("Who did what in the organization, newest first: sign-ins and their failures, users, data sources, service clients");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpRequest http, ClaimsPrincipal user, AuditStore store, CursorCodec cursors, CancellationToken cancellationToken)
    {
        var query = http.Query;
        var outcome = PageParameters.Single(query, "outcome");
        if (outcome is not (null or "succeeded" or "failed"))
        {
            throw new BadParameterException("outcome", "outcome must be succeeded or failed.", ["succeeded", "failed"]);
        }

        var since = Day(query, "since");
        var until = Day(query, "until");
        if (since is not null && until is not null && until < since)
        {
            throw new BadParameterException("until", "until must not be before since.");
        }

        var filter = new AuditFilter(
            PageParameters.Single(query, "action"), PageParameters.Single(query, "actorId"), PageParameters.Single(query, "targetId"), outcome,
            since is { } s ? new DateTimeOffset(s, TimeOnly.MinValue, TimeSpan.Zero) : null,
            until is { } u ? new DateTimeOffset(u.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero) : null);
        // The cursor names its filters: a page of one query continued with other filters is refused.
        var listQuery = $"audit|{filter.Action}|{filter.ActorId}|{filter.TargetId}|{outcome}|{since}|{until}";
        var limit = PageParameters.Limit(query, 50, 200);
        var after = cursors.DecodeAfter(PageParameters.Single(query, "cursor"), listQuery);
        var rows = await store.ListAsync(user.GetOrganizationId(), filter, after, limit + 1, cancellationToken);
        return TypedResults.Ok(Page<AuditEventView>.Of([.. rows.Select(AuditEventView.From)], limit, e => cursors.EncodeAfter(e.OccurredAt, e.Id, listQuery)));
    }

    private static DateOnly? Day(IQueryCollection query, string name) =>
        PageParameters.Single(query, name) is not { } text ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw new BadParameterException(name, $"{name} must be a date, yyyy-MM-dd.");
}

/// <summary>Who did something: <c>user</c>, <c>service-client</c>, <c>operator</c> (DigiUsher's operators, through the admin CLI), <c>anonymous</c> or <c>system</c>, with the id and a user's email.</summary>
public sealed record AuditActorView(string Type, string? Id, string? Email);

/// <summary>One entry of the audit log.</summary>
/// <param name="Id">The entry.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="Action">What, e.g. <c>user.role-changed</c> (the actions are listed in the README).</param>
/// <param name="Outcome"><c>succeeded</c>, or <c>failed</c> for a refused attempt.</param>
/// <param name="Actor">Who.</param>
/// <param name="TargetType">The kind of thing acted on: <c>user</c>, <c>data-source</c>, <c>service-client</c>, <c>organization</c>.</param>
/// <param name="TargetId">Its id.</param>
/// <param name="ClientAddress">The caller's address (behind a proxy, the forwarded one from a trusted proxy).</param>
/// <param name="CorrelationId">The request's X-Correlation-Id, to find it in the logs and traces.</param>
/// <param name="Detail">A few facts of the action (a new role, a data source's name); never a secret.</param>
public sealed record AuditEventView(
    Guid Id,
    DateTimeOffset OccurredAt,
    string Action,
    string Outcome,
    AuditActorView Actor,
    string? TargetType,
    string? TargetId,
    string? ClientAddress,
    string? CorrelationId,
    IReadOnlyDictionary<string, string>? Detail)
{
    public static AuditEventView From(AuditEventRow row) => new(
        row.Id, row.OccurredAt, row.Action, row.Outcome, new AuditActorView(row.ActorType, row.ActorId, row.ActorEmail),
        row.TargetType, row.TargetId, row.ClientAddress, row.CorrelationId, row.DetailValues);
}
