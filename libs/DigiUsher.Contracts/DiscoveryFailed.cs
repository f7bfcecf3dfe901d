using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>A discovery run failed as a whole (credentials unavailable, nothing reachable).</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey">The run id.</param>
/// <param name="RunId">The run.</param>
/// <param name="Reason">Why, in words a person can act on.</param>
/// <param name="FailedAt">When.</param>
[MessageUrn("digiusher:discovery:discovery-failed:v1")]
public sealed record DiscoveryFailed(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    Guid RunId,
    string Reason,
    DateTimeOffset FailedAt) : IIntegrationMessage;
