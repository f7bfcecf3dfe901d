using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

/// <summary>Builders of discovery events.</summary>
public static class Discovery
{
    public static DiscoveredResource Resource(
        string id, string kind, string? state = null, string? owner = null, Dictionary<string, string>? tags = null,
        Dictionary<string, string>? attributes = null, DateTimeOffset? createdAt = null, IReadOnlyList<DailyCpu>? cpu = null, string region = "us-east-1") =>
        new(id, kind, id + "-name", region, state, createdAt ?? DateTimeOffset.UtcNow.AddDays(-200), tags ?? [], attributes ?? [],
            owner, owner is null ? null : "tag:owner", cpu);

    public static ResourcesDiscovered Chunk(
        Guid org, Guid dataSource, Guid runId, string kind, IReadOnlyList<DiscoveredResource> resources, DateTimeOffset? at = null, string region = "us-east-1") =>
        new(org, dataSource, $"{runId}:{region}:{kind}:0", runId, "123456789012", region, kind, 0, 1, resources, at ?? DateTimeOffset.UtcNow);

    public static DiscoveryCompleted Completed(Guid org, Guid dataSource, Guid runId, DateTimeOffset startedAt, params string[] covered) =>
        new(org, dataSource, runId.ToString(), runId, "123456789012", new Dictionary<string, int>(), covered, [], startedAt, startedAt.AddMinutes(1));
}
