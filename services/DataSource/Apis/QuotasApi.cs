using System.Security.Claims;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults.Quotas;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Apis;

/// <summary>The answer of <c>GET /api/v1/quotas</c>: what the organization may make DigiUsher do.</summary>
/// <param name="DataSourcesPerOrganization">Data sources the organization may have at once (creating one more is a 409).</param>
/// <param name="DataSources">Data sources it has now.</param>
/// <param name="KeysListedPerPoll">Keys one poll lists under a data source's prefix; past it the poll fails naming the quota.</param>
/// <param name="ManifestBytes">Bytes of one manifest; a larger one is refused from its size, unread, and the poll fails.</param>
/// <param name="DeliveryBytes">Bytes of one delivery's report files as S3 lists them; a larger delivery fails before anything is downloaded, and a file that sends more than it was listed with is cut off.</param>
/// <param name="DeliveryRows">Line items of one delivery; past it the import fails and nothing of it is kept.</param>
public sealed record QuotasView(int DataSourcesPerOrganization, int DataSources, int KeysListedPerPoll, long ManifestBytes, long DeliveryBytes, long DeliveryRows);

public static class QuotasApi
{
    public static IEndpointRouteBuilder MapQuotasApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/quotas", GetAsync)
            .WithTags("Quotas")
            .RequireScope(Scopes.DataSourcesRead)
            .Produces<QuotasView>()
            .WithName("GetQuotas")
            .WithSummary("The organization's quotas (the same for every organization of this deployment) and its data sources against the first");
        return app;
    }

    private static async Task<IResult> GetAsync(ClaimsPrincipal user, DataSourceStore store, IOptions<TenantQuotas> quotas, CancellationToken cancellationToken)
    {
        var q = quotas.Value;
        var used = await store.CountAsync(user.GetOrganizationId(), cancellationToken);
        return TypedResults.Ok(new QuotasView(q.DataSourcesPerOrganization, used, q.KeysListedPerPoll, q.ManifestBytes, q.DeliveryBytes, q.DeliveryRows));
    }
}
