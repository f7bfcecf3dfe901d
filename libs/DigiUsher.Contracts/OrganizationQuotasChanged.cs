using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// An operator set or cleared an organization's quota override. The services that enforce quotas get
/// them with a data source's credentials (<see cref="AwsCredentialsIssued.QuotaOverrides"/>) and cache
/// both: they drop the organization's cached credentials, so the next poll or import asks DataSource
/// again and runs under the new quotas at once rather than when the cache runs out.
/// </summary>
/// <param name="OrganizationId">The organization whose quotas changed.</param>
/// <param name="QuotaOverrides">The override now stored (null: cleared, the defaults apply).</param>
/// <param name="ChangedAt">When the operator changed it.</param>
/// <param name="IdempotencyKey">Deterministic key of this change.</param>
[MessageUrn("digiusher:datasource:organization-quotas-changed:v1")]
public sealed record OrganizationQuotasChanged(
    Guid OrganizationId,
    OrganizationQuotaOverrides? QuotaOverrides,
    DateTimeOffset ChangedAt,
    string IdempotencyKey);
