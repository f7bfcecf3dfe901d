using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// An import is now current for its billing period; the Query service pulls its daily rollup from
/// CurParser's <c>GET /internal/v1/imports/{ImportId}/daily-costs</c>.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the import.</param>
/// <param name="BillingPeriod">The month it makes current, <c>yyyy-MM</c>.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ImportId">The import.</param>
/// <param name="Rows">Line items of the import.</param>
/// <param name="Totals">Per-currency totals, for the reader to check what it pulled.</param>
/// <param name="IsFinal">True when the month's invoice has been issued.</param>
/// <param name="ImportedAt">When it became current.</param>
[MessageUrn("digiusher:curparser:costs-imported:v1")]
public sealed record CostsImported(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string DeliveryId,
    Guid ImportId,
    long Rows,
    IReadOnlyList<CurrencyTotals> Totals,
    bool IsFinal,
    DateTimeOffset ImportedAt) : IIntegrationMessage;
