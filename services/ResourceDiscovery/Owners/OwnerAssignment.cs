using System.Net.Mail;
using DigiUsher.Contracts;

namespace DigiUsher.ResourceDiscovery.Owners;

/// <summary>
/// Who a resource belongs to: the first matching rule of the organization; else an email in an
/// <c>owner</c>/<c>Owner</c>/<c>created-by</c> tag; else, for a volume attached to an instance or an
/// Elastic IP associated with one, the instance's owner; else the data source's creator.
/// </summary>
public static class OwnerAssignment
{
    public const string CreatorRule = "default:data-source-creator";

    /// <summary>The source of an owner inherited from the instance a volume is attached to: <c>default:attached-to:{instanceId}</c>.</summary>
    public const string AttachedToPrefix = "default:attached-to:";

    private static readonly string[] OwnerTags = ["owner", "Owner", "created-by"];

    public static (string? Email, string Rule) Assign(DiscoveredResource resource, IReadOnlyList<OwnerRule> rules, string? creatorEmail)
    {
        foreach (var rule in rules.OrderBy(r => r.Position))
        {
            if (Matches(rule, resource))
            {
                return (rule.OwnerEmail, $"rule:{rule.RuleId}");
            }
        }

        foreach (var key in OwnerTags)
        {
            if (resource.Tags.TryGetValue(key, out var value) && IsEmail(value))
            {
                return (value.Trim(), $"default:tag:{key}");
            }
        }

        return (string.IsNullOrWhiteSpace(creatorEmail) ? null : creatorEmail, CreatorRule);
    }

    /// <summary>
    /// Assigns every resource of one account's run. A volume or Elastic IP whose own assignment fell through to
    /// the creator (no rule, no owner tag) and that is attached to (associated with) an instance of the run with
    /// an owner of its own (a rule or a tag) inherits that owner: launching an instance creates its root volume
    /// without the instance's tags unless the launch asks for them, so it would otherwise land on the data
    /// source's creator. A volume attached to several instances (io2 Multi-Attach) takes the first of them, by
    /// id, that has an owner.
    /// </summary>
    public static IReadOnlyList<DiscoveredResource> AssignAll(IEnumerable<DiscoveredResource> resources, IReadOnlyList<OwnerRule> rules, string? creatorEmail)
    {
        var assigned = resources.Select(r =>
        {
            var (email, rule) = Assign(r, rules, creatorEmail);
            return r with { OwnerEmail = email, OwnerRule = rule };
        }).ToList();

        var instanceOwners = assigned
            .Where(r => r.Kind == ResourceKinds.Instance && r.OwnerRule != CreatorRule && r.OwnerEmail is not null)
            .GroupBy(r => r.ResourceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().OwnerEmail!, StringComparer.Ordinal);
        if (instanceOwners.Count == 0)
        {
            return assigned;
        }

        for (var i = 0; i < assigned.Count; i++)
        {
            var resource = assigned[i];
            if (resource.OwnerRule != CreatorRule)
            {
                continue;
            }

            var instanceId = InstancesOf(resource).Order(StringComparer.Ordinal).FirstOrDefault(instanceOwners.ContainsKey);
            if (instanceId is not null)
            {
                assigned[i] = resource with { OwnerEmail = instanceOwners[instanceId], OwnerRule = AttachedToPrefix + instanceId };
            }
        }

        return assigned;
    }

    /// <summary>
    /// The instances a resource serves: a volume's <c>attachedTo</c> (several for io2 Multi-Attach), an Elastic
    /// IP's associated <c>instanceId</c> (an address allocated for an instance is rarely tagged itself, and while
    /// associated it is part of what that instance's owner runs).
    /// </summary>
    private static IEnumerable<string> InstancesOf(DiscoveredResource resource) => resource.Kind switch
    {
        ResourceKinds.Volume when resource.Attributes.TryGetValue("attachedTo", out var attachedTo) =>
            attachedTo.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        ResourceKinds.ElasticIp when resource.Attributes.TryGetValue("instanceId", out var instanceId) && instanceId.Length > 0 => [instanceId],
        _ => [],
    };

    /// <summary>
    /// An address as mail systems take it: at most 254 characters and a local part of at most 64 (RFC 5321,
    /// section 4.5.3.1), which MailAddress does not check.
    /// </summary>
    public static bool IsEmail(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && value.Trim().Length <= 254
        && MailAddress.TryCreate(value.Trim(), out var address)
        && address.User.Length <= 64
        && address.Address == value.Trim()
        && address.Host.Contains('.', StringComparison.Ordinal);

    private static bool Matches(OwnerRule rule, DiscoveredResource resource) => rule.Match switch
    {
        OwnerRuleMatch.TagEquals => rule.Key is not null && resource.Tags.TryGetValue(rule.Key, out var value)
            && string.Equals(value, rule.Value, StringComparison.OrdinalIgnoreCase),
        OwnerRuleMatch.TagExists => rule.Key is not null && resource.Tags.ContainsKey(rule.Key),
        OwnerRuleMatch.NamePrefix => !string.IsNullOrEmpty(rule.Value) && (resource.Name ?? resource.ResourceId).StartsWith(rule.Value, StringComparison.OrdinalIgnoreCase),
        OwnerRuleMatch.ResourceType => string.Equals(resource.Kind, rule.Value, StringComparison.OrdinalIgnoreCase),
        OwnerRuleMatch.Region => string.Equals(resource.Region, rule.Value, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
