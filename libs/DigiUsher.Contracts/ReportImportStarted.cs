using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>CurParser started importing a delivery.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Key of the import.</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ImportId">The new import.</param>
/// <param name="StartedAt">When.</param>
[MessageUrn("digiusher:curparser:report-import-started:v1")]
public sealed record ReportImportStarted(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string DeliveryId,
    Guid ImportId,
    DateTimeOffset StartedAt) : IIntegrationMessage;
