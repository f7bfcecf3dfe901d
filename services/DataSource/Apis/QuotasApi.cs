using System.Security.Claims;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Quotas;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>The answer of <c>GET /api/v1/quotas</c>: what the organization may make DigiUsher do now, and where each value comes from.</summary>
/// <param name="DataSourcesPerOrganization">Data sources the organization may have at once (creating one more is a 409).</param>
/// <param name="DataSources">Data sources it has now.</param>
/// <param name="KeysListedPerPoll">Keys one poll lists under a data source's prefix; past it the poll fails naming the quota.</param>
/// <param name="ManifestBytes">Bytes of one manifest; a larger one is refused from its size, unread, and the poll fails.</param>
/// <param name="DeliveryBytes">Bytes of one delivery's report files as S3 lists them; a larger delivery fails before anything is downloaded, and a file that sends more than it was listed with is cut off.</param>
/// <param name="DeliveryRows">Line items of one delivery; past it the import fails and nothing of it is kept.</param>
/// <param name="Sources">Where each value comes from: <c>default</c> (the deployment's configuration, the same for every organization) or <c>override</c> (set for this organization by an operator).</param>
/// <param name="OverrideExpiresAt">When the organization's override ends and the defaults apply again; null when it has none or it does not expire.</param>
public sealed record QuotasView(
    int DataSourcesPerOrganization, int DataSources, int KeysListedPerPoll, long ManifestBytes, long DeliveryBytes, long DeliveryRows,
    QuotaSources Sources, DateTimeOffset? OverrideExpiresAt)
{
    public static QuotasView From(EffectiveQuotas quotas, int dataSources)
    {
        var q = quotas.Values;
        return new(q.DataSourcesPerOrganization, dataSources, q.KeysListedPerPoll, q.ManifestBytes, q.DeliveryBytes, q.DeliveryRows, quotas.Sources, quotas.InForce?.ExpiresAt);
    }
}

public static class QuotasApi
{
    public static IEndpointRouteBuilder MapQuotasApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/quotas", GetAsync)
            .WithTags("Quotas")
            .RequireScope(Scopes.DataSourcesRead)
            .Produces<QuotasView>()
            .WithName("GetQuotas")
            .WithSummary("The organization's quotas in force (the deployment's defaults, or an operator's override for it) and its data sources against the first");
        return app;
    }

    private static async Task<IResult> GetAsync(ClaimsPrincipal user, DataSourceStore store, QuotaOverrideStore overrides, CancellationToken cancellationToken)
    {
        var organizationId = user.GetOrganizationId();
        var quotas = await overrides.EffectiveAsync(organizationId, cancellationToken);
        return TypedResults.Ok(QuotasView.From(quotas, await store.CountAsync(organizationId, cancellationToken)));
    }
}
