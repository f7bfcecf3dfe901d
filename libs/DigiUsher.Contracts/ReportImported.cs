using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// A delivery was imported, reconciled and made current for its billing period: the record of the
/// import (for status views and the poller). Its rollup is announced by <see cref="CostsImported"/>.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the import.</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ImportId">The import, now current.</param>
/// <param name="Rows">Line items loaded.</param>
/// <param name="Files">Files read.</param>
/// <param name="Totals">Per-currency, per-metric totals (equal to the sums read from the files).</param>
/// <param name="IsFinal">True when the month's invoice has been issued (<c>bill/InvoiceId</c> present).</param>
/// <param name="Duration">Import duration.</param>
/// <param name="ImportedAt">When it became current.</param>
[MessageUrn("digiusher:curparser:report-imported:v1")]
public sealed record ReportImported(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string DeliveryId,
    Guid ImportId,
    long Rows,
    int Files,
    IReadOnlyList<CurrencyTotals> Totals,
    bool IsFinal,
    TimeSpan Duration,
    DateTimeOffset ImportedAt) : IIntegrationMessage;
