using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A CUR delivery not seen before was found in S3; CurParser imports it.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">Equals <c>{DataSourceId}:{BillingPeriod}:{DeliveryId}</c>.</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="ReportName">The report or export name.</param>
/// <param name="Format">The delivery's format.</param>
/// <param name="DeliveryId">The manifest's assemblyId, or a hash of the keys and ETags where there is no manifest.</param>
/// <param name="Bucket">The bucket.</param>
/// <param name="Region">The bucket's region.</param>
/// <param name="ManifestKey">The manifest read, if any.</param>
/// <param name="ReportKeys">The data files of the delivery, in order.</param>
/// <param name="DetectedAt">When the poller saw it; of two deliveries of one period, the later detected one is newer.</param>
/// <param name="Reimport">
/// Announced again for an operator's re-import (<see cref="ReimportRequested"/>; the idempotency key is then
/// the delivery's key with the request's): CurParser imports the delivery again even if it imported it before.
/// </param>
[MessageUrn("digiusher:curpoller:report-available:v1")]
public sealed record ReportAvailable(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    string ReportName,
    ReportFormat Format,
    string DeliveryId,
    string Bucket,
    string Region,
    string? ManifestKey,
    IReadOnlyList<ReportFile> ReportKeys,
    DateTimeOffset DetectedAt,
    bool Reimport = false) : IIntegrationMessage;
