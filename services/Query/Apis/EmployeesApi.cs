using System.Text.Json;
using DigiUsher.Query.Costs;
using DigiUsher.Query.Resources;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>What an employee owns in the period, and what it costs per currency.</summary>
public sealed record EmployeeResources(
    string Email,
    Guid EmployeeId,
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<CurrencyAmount> Totals,
    IReadOnlyList<ResourceItem> Items,
    string? NextCursor);

public static class EmployeesApi
{
    public static RouteGroupBuilder MapEmployeesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/employees").WithTags("Employees").RequireScope(Scopes.EmployeesRead).ScopedToOwnDataSources();
        group.MapGet("/{id}/resources", ListAsync)
            .WithParameters(
                QueryApiParameters.DataSourceId, QueryApiParameters.Kind, QueryApiParameters.Region, QueryApiParameters.Tags, QueryApiParameters.Public,
                QueryApiParameters.Idle, QueryApiParameters.Discovered, QueryApiParameters.From, QueryApiParameters.To, QueryApiParameters.Metric,
                QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<EmployeeResources>()
            .WithName("ListEmployeeResources")
            .WithSummary("The resources an employee (email, or the employeeId shown on owners) owns and what they cost in the period")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> ListAsync(
        string id, HttpContext http, ResourceReader reader, CursorCodec cursors, IOptions<ApiOptions> api, IOptions<FindingsOptions> findings,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var query = http.Request.Query;
        var (from, to) = QueryParameters.Period(query, api.Value, today);
        var metric = ResourcesApi.Metric(query);
        var filter = ResourcesApi.Filter(query, owner: id.Trim());
        var organizationId = http.User.GetOrganizationId();
        var idle = IdleRule.From(findings.Value, today);

        // Totals over every owned resource, not only this page: owners hold hundreds of resources at most.
        var all = await reader.ListAsync(organizationId, filter, from, to, metric, idle, 0, int.MaxValue, cancellationToken);
        if (all.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Employee not found",
                detail: $"No resource in this organization is owned by '{id}'.");
        }

        var limit = QueryParameters.Limit(query, api.Value);
        var fingerprint = string.Join('|', organizationId, id.ToLowerInvariant(), from, to, metric, limit, JsonSerializer.Serialize(filter));
        var offset = cursors.DecodeOffset(QueryParameters.Single(query, "cursor"), fingerprint);
        var page = ResourcesApi.ToPage(all.Skip((int)Math.Min(offset, int.MaxValue)).Take(limit + 1).ToList(), limit, offset, cursors, fingerprint);
        var owner = all.Select(r => r.Owner).First(o => o is not null)!;
        var totals = all.SelectMany(r => r.Cost).GroupBy(c => c.Currency, StringComparer.Ordinal)
            .Select(g => new CurrencyAmount(g.Key, g.Sum(c => c.Amount))).OrderBy(c => c.Currency, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new EmployeeResources(owner.Email.ToLowerInvariant(), owner.EmployeeId, from, to, metric, totals, page.Items, page.NextCursor));
    }
}
