using System.Collections.Concurrent;
using DigiUsher.Contracts;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>What one run found, filled concurrently by the scanners.</summary>
public sealed class RunCollector(IReadOnlyDictionary<string, string> off)
{
    private readonly ConcurrentDictionary<(string Region, string Kind), ConcurrentQueue<DiscoveredResource>> _resources = new();
    private readonly ConcurrentDictionary<string, byte> _covered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Kind, string? Region, string Reason), byte> _skipped = new();
    private readonly ConcurrentDictionary<string, string> _denied = new(StringComparer.Ordinal);

    /// <summary>Kinds and features off for this run (validation, earlier denials), with why.</summary>
    public IReadOnlyDictionary<string, string> Off => off;

    public bool IsOff(string kindOrFeature) =>
        DiscoveryFeatures.IsOff(kindOrFeature, off) || DiscoveryFeatures.IsOff(kindOrFeature, _denied);

    /// <summary>Records a complete listing of <paramref name="kind"/> in <paramref name="region"/>.</summary>
    public void Covered(string kind, string region, IEnumerable<DiscoveredResource> resources)
    {
        var queue = _resources.GetOrAdd((region, kind), _ => new ConcurrentQueue<DiscoveredResource>());
        foreach (var resource in resources)
        {
            queue.Enqueue(resource);
        }

        _covered.TryAdd($"{kind}@{region}", 0);
    }

    public void Skip(string kind, string? region, string reason) => _skipped.TryAdd((kind, region, reason), 0);

    /// <summary>AWS refused a feature with AccessDenied: skipped now and in later runs until the keys rotate.</summary>
    public void Deny(string feature, string reason) => _denied.TryAdd(feature, reason);

    public IReadOnlyDictionary<string, string> Denied => _denied;

    public IReadOnlyList<string> CoveredKeys => _covered.Keys.Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<DiscoverySkip> Skipped => _skipped.Keys
        .Select(s => new DiscoverySkip(s.Kind, s.Region, s.Reason))
        .OrderBy(s => s.Kind, StringComparer.Ordinal).ThenBy(s => s.Region, StringComparer.Ordinal)
        .ToList();

    public IReadOnlyList<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)> Groups => _resources
        .Select(g => (g.Key.Region, g.Key.Kind, (IReadOnlyList<DiscoveredResource>)g.Value.OrderBy(r => r.ResourceId, StringComparer.Ordinal).ToList()))
        .OrderBy(g => g.Kind, StringComparer.Ordinal).ThenBy(g => g.Region, StringComparer.Ordinal)
        .ToList();
}
