using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>One chunk (at most 500) of the resources of one account, region and kind found by a run.</summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The data source.</param>
/// <param name="IdempotencyKey"><c>{RunId}:{Region}:{ResourceType}:{ChunkIndex}</c>.</param>
/// <param name="RunId">The discovery run.</param>
/// <param name="AccountId">The AWS account.</param>
/// <param name="Region">Region (<c>global</c> for IAM).</param>
/// <param name="ResourceType">One of <see cref="ResourceKinds"/>.</param>
/// <param name="ChunkIndex">0-based chunk number.</param>
/// <param name="ChunkCount">Chunks of this account, region and kind in the run.</param>
/// <param name="Resources">The resources.</param>
/// <param name="DiscoveredAt">When the run saw them.</param>
[MessageUrn("digiusher:discovery:resources-discovered:v1")]
public sealed record ResourcesDiscovered(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    Guid RunId,
    string AccountId,
    string Region,
    string ResourceType,
    int ChunkIndex,
    int ChunkCount,
    IReadOnlyList<DiscoveredResource> Resources,
    DateTimeOffset DiscoveredAt) : IIntegrationMessage;
