using System.Globalization;
using DigiUsher.Contracts;
using DigiUsher.Query.Resources;

namespace DigiUsher.Query.Findings;

/// <summary>A discovered resource as the finding rules read it.</summary>
public sealed record ResourceFacts(
    Guid DataSourceId,
    string ResourceId,
    string Kind,
    string? Name,
    string AccountId,
    string Region,
    string? State,
    DateTimeOffset? CreatedAt,
    DateTimeOffset FirstSeenAt,
    IReadOnlyDictionary<string, string> Attributes,
    ResourceOwner? Owner,
    IReadOnlyList<DailyCpu> Cpu)
{
    /// <summary>The account's name shown beside its id (<see cref="Data.AccountDisplayName"/>); the rules do not read it.</summary>
    public string? AccountName { get; init; }
}

/// <summary>A resource a rule points at: why, since when, and the resources whose cost it includes.</summary>
public sealed record FindingCandidate(string Type, ResourceFacts Resource, string Reason, DateTimeOffset? Since, IReadOnlyList<string> Related);

/// <summary>
/// The waste and risk rules, one pure function per finding type, over the organization's discovered
/// resources (each resource is judged by the rule of its kind; a few rules look at its neighbours).
/// </summary>
public sealed class FindingRules(FindingsOptions options, DateTimeOffset now)
{
    private IdleRule Idle { get; } = IdleRule.From(options, DateOnly.FromDateTime(now.UtcDateTime));

    /// <summary>Every finding among <paramref name="resources"/>, in their order.</summary>
    public IReadOnlyList<FindingCandidate> Find(IReadOnlyList<ResourceFacts> resources)
    {
        var volumes = resources.Where(r => r.Kind == ResourceKinds.Volume).ToList();
        var volumeIds = volumes.Select(v => (v.DataSourceId, v.ResourceId)).ToHashSet();
        return [.. resources.Select(r => Check(r, volumes, volumeIds)).OfType<FindingCandidate>()];
    }

    private FindingCandidate? Check(ResourceFacts r, IReadOnlyList<ResourceFacts> volumes, IReadOnlySet<(Guid, string)> volumeIds) => r.Kind switch
    {
        ResourceKinds.Volume => UnattachedVolume(r),
        ResourceKinds.ElasticIp => UnassociatedElasticIp(r),
        ResourceKinds.Instance => StoppedInstanceWithStorage(r, volumes) ?? IdleInstance(r),
        ResourceKinds.Snapshot => SnapshotOfDeletedVolume(r, volumeIds),
        ResourceKinds.Bucket => PublicBucket(r),
        ResourceKinds.AccessKey => UnusedAccessKey(r),
        ResourceKinds.IamUser => InactiveConsoleUser(r),
        _ => null,
    };

    public static FindingCandidate? UnattachedVolume(ResourceFacts r) =>
        Is(r.State, "available")
            ? new(FindingTypes.UnattachedVolume, r,
                $"EBS volume{Size(r)} is not attached to any instance (state available) and is billed for its provisioned storage.",
                r.CreatedAt ?? r.FirstSeenAt, [])
            : null;

    public static FindingCandidate? UnassociatedElasticIp(ResourceFacts r) =>
        ResourceAttributes.Get(r.Attributes, ResourceAttributes.Association) is null
            ? new(FindingTypes.UnassociatedElasticIp, r,
                "Elastic IP is allocated but not associated with a running instance or network interface; AWS bills idle public IPv4 addresses.",
                r.CreatedAt ?? r.FirstSeenAt, [])
            : null;

    /// <summary>A stopped instance whose volumes (of the same data source) still cost money.</summary>
    public static FindingCandidate? StoppedInstanceWithStorage(ResourceFacts r, IReadOnlyList<ResourceFacts> volumes)
    {
        if (!Is(r.State, "stopped"))
        {
            return null;
        }

        var attached = volumes.Where(v => v.DataSourceId == r.DataSourceId
                && (ResourceAttributes.Get(v.Attributes, ResourceAttributes.AttachedInstance) ?? string.Empty).Contains(r.ResourceId, StringComparison.Ordinal))
            .Select(v => v.ResourceId).Order(StringComparer.Ordinal).ToList();
        return attached.Count > 0
            ? new(FindingTypes.StoppedInstanceWithStorage, r,
                $"Instance is stopped but its {attached.Count} attached EBS volume(s) ({string.Join(", ", attached)}) are still billed.", r.CreatedAt, attached)
            : null;
    }

    public FindingCandidate? IdleInstance(ResourceFacts r)
    {
        if (!Is(r.State, "running") || Idle.Judge(r.Cpu) is not { IsIdle: true } verdict)
        {
            return null;
        }

        return new(FindingTypes.IdleInstance, r,
            string.Create(CultureInfo.InvariantCulture,
                $"Daily average CPU stayed below {Idle.ThresholdPercent}% on all {verdict.Days} days with data in the last {options.IdleWindowDays} days (highest daily average {verdict.Peak:0.##}%)."),
            r.CreatedAt, []);
    }

    /// <summary>A snapshot whose source volume its data source no longer has (<paramref name="volumeIds"/>: data source and volume id).</summary>
    public static FindingCandidate? SnapshotOfDeletedVolume(ResourceFacts r, IReadOnlySet<(Guid DataSourceId, string VolumeId)> volumeIds) =>
        ResourceAttributes.Get(r.Attributes, ResourceAttributes.SourceVolume) is { } volumeId
            && !volumeIds.Contains((r.DataSourceId, volumeId))
            ? new(FindingTypes.OrphanedSnapshot, r,
                $"Snapshot of volume {volumeId}, which no longer exists; the snapshot is still billed for its storage.", r.CreatedAt ?? r.FirstSeenAt, [volumeId])
            : null;

    public static FindingCandidate? PublicBucket(ResourceFacts r) =>
        ResourceAttributes.IsTrue(ResourceAttributes.Get(r.Attributes, ResourceAttributes.Public))
            ? new(FindingTypes.PublicBucket, r, "Bucket is publicly accessible (bucket policy or ACL grants public access).", r.CreatedAt, [])
            : null;

    public FindingCandidate? UnusedAccessKey(ResourceFacts r) =>
        !Is(r.State, "inactive") && !Is(ResourceAttributes.Get(r.Attributes, "status"), "inactive")
            && Unused(r, ResourceAttributes.LastUsed, options.UnusedAccessKeyDays, now) is { } why
            ? new(FindingTypes.UnusedAccessKey, r, $"Active access key {why}.", r.CreatedAt, [])
            : null;

    public FindingCandidate? InactiveConsoleUser(ResourceFacts r) =>
        HasConsoleAccess(r) && Unused(r, ResourceAttributes.PasswordLastUsed, options.InactiveUserDays, now) is { } why
            ? new(FindingTypes.InactiveConsoleUser, r, $"Console user {why.Replace("used", "signed in", StringComparison.Ordinal)}.", r.CreatedAt, [])
            : null;

    private static bool Is(string? state, string expected) => string.Equals(state, expected, StringComparison.OrdinalIgnoreCase);

    private static string Size(ResourceFacts r) => ResourceAttributes.Get(r.Attributes, ResourceAttributes.Size) is { } size ? $" ({size} GiB)" : string.Empty;

    private static bool HasConsoleAccess(ResourceFacts r)
    {
        var flag = ResourceAttributes.Get(r.Attributes, ResourceAttributes.ConsoleAccess);
        return flag is null ? ResourceAttributes.Get(r.Attributes, ResourceAttributes.PasswordLastUsed) is not null : ResourceAttributes.IsTrue(flag);
    }

    /// <summary>Why a credential counts as unused (last use, or never used and older than the threshold), or null.</summary>
    private static string? Unused(ResourceFacts r, string[] lastUsedKeys, int days, DateTimeOffset now)
    {
        if (string.Equals(ResourceAttributes.Get(r.Attributes, lastUsedKeys), "unknown", StringComparison.OrdinalIgnoreCase))
        {
            return null; // discovery could not read the last use (access denied): no claim either way
        }

        if (ResourceAttributes.Time(r.Attributes, lastUsedKeys) is { } lastUsed)
        {
            var idleDays = (int)(now - lastUsed).TotalDays;
            return idleDays >= days ? $"has not been used for {idleDays} days (last used {lastUsed:yyyy-MM-dd})" : null;
        }

        var age = (int)(now - (r.CreatedAt ?? r.FirstSeenAt)).TotalDays;
        return age >= days ? $"has never been used since it was created {age} days ago" : null;
    }
}
