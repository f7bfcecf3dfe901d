using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// An import's daily rollup can be pulled: read models fetch its <see cref="DailyCostLine"/>s from
/// CurParser's <c>GET /internal/v1/imports/{ImportId}/daily-costs</c> and check them against
/// <see cref="Totals"/>. It carries only what the pull needs; what the import was (rows, files,
/// duration, whether final) is in <see cref="ReportImported"/>, written in the same transaction.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the import.</param>
/// <param name="BillingPeriod">The month it makes current, <c>yyyy-MM</c>.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ImportId">The import.</param>
/// <param name="Totals">Per-currency totals, for the reader to check what it pulled (<see cref="CurrencyTotals.Rows"/> counts line items).</param>
/// <param name="ImportedAt">When it became current; of two imports of one period, the later one is newer.</param>
[MessageUrn("digiusher:curparser:costs-imported:v1")]
public sealed record CostsImported(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string DeliveryId,
    Guid ImportId,
    IReadOnlyList<CurrencyTotals> Totals,
    DateTimeOffset ImportedAt) : IIntegrationMessage;
