using System.Net.Mail;
using DigiUsher.Contracts;

namespace DigiUsher.ResourceDiscovery.Owners;

/// <summary>
/// Who a resource belongs to: the first matching rule of the organization; else an email in an
/// <c>owner</c>/<c>Owner</c>/<c>created-by</c> tag; else the data source's creator.
/// </summary>
public static class OwnerAssignment
{
    public const string CreatorRule = "default:data-source-creator";

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
