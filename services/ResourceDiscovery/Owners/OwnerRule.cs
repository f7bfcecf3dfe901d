namespace DigiUsher.ResourceDiscovery.Owners;

/// <summary>What an owner rule matches on.</summary>
public enum OwnerRuleMatch
{
    /// <summary>Tag <c>Key</c> has value <c>Value</c> (value compared case-insensitively).</summary>
    TagEquals,

    /// <summary>Tag <c>Key</c> is present.</summary>
    TagExists,

    /// <summary>The resource's name starts with <c>Value</c>.</summary>
    NamePrefix,

    /// <summary>The resource kind is <c>Value</c> (e.g. <c>ec2-instance</c>).</summary>
    ResourceType,

    /// <summary>The resource is in region <c>Value</c>.</summary>
    Region,
}

/// <summary>An organization's rule assigning matching resources to an employee; lower positions win.</summary>
public sealed record OwnerRule(Guid RuleId, Guid OrganizationId, int Position, OwnerRuleMatch Match, string? Key, string? Value, string OwnerEmail);
