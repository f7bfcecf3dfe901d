using System.Globalization;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.DataSource.Secrets;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>A re-import asked for: CurPoller announces the period's newest delivery anew at its next poll (now).</summary>
public sealed record ReimportAccepted(Guid DataSourceId, string BillingPeriod, string RequestKey, DateTimeOffset RequestedAt);

/// <summary>Operators' internal endpoints (the admin CLI calls them with its own service identity; never routed by the ingress).</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/internal/v1/admin").ExcludeFromDescription()
            .RequireAuthorization(p => p.RequireClaim(DigiUsherClaims.ClientId, ServiceIdentities.Admin));
        group.MapPost("/secrets/rekey", async (SecretRekeyer rekeyer, CancellationToken cancellationToken) =>
            TypedResults.Ok(await rekeyer.RekeyAsync(cancellationToken)))
            .RequireScope(Scopes.SecretsRekey);
        group.MapPost("/data-sources/{id:guid}/reimport/{billingPeriod}", ReimportAsync)
            .RequireScope(Scopes.ImportsReimport);
        group.MapQuotaOverridesApi();
        return app;
    }

    /// <summary>One billing period of one data source (of any organization) imported again, through CurPoller and CurParser.</summary>
    private static async Task<IResult> ReimportAsync(Guid id, string billingPeriod, DataSourceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!DateOnly.TryParseExact(billingPeriod, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["billingPeriod"] = [$"'{billingPeriod}' is not a month: write it yyyy-MM (for example 2025-06)."] });
        }

        if (await store.FindOrganizationAsync(id, cancellationToken) is not { } organizationId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such data source", detail: $"There is no data source {id}.");
        }

        var now = time.GetUtcNow();
        var change = DataSourceEvents.ReimportRequested(organizationId, id, billingPeriod, Guid.CreateVersion7(), now);
        return await store.AddEventIfExistsAsync(organizationId, id, change, cancellationToken)
            ? TypedResults.Accepted($"/api/v1/data-sources/{id}/status",
                new ReimportAccepted(id, billingPeriod, ((DigiUsher.Contracts.ReimportRequested)change.Message).IdempotencyKey, now))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such data source", detail: $"There is no data source {id}.");
    }
}
