using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// An operator asked for one billing period of a data source to be imported again (<c>digiusher-admin
/// reimport</c>): CurPoller announces the period's newest delivery anew, and CurParser imports it again
/// even though it imported it before; the new import replaces the current one in one swap.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">The request's own key: one request re-imports once, however often it is delivered.</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="RequestedAt">When it was asked.</param>
[MessageUrn("digiusher:datasource:reimport-requested:v1")]
public sealed record ReimportRequested(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    string BillingPeriod,
    DateTimeOffset RequestedAt) : IIntegrationMessage;
