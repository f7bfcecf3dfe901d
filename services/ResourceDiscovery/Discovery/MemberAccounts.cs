using DigiUsher.Contracts;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>
/// Which member accounts of a root's AWS Organization a run discovers through the root's member account role:
/// the ACTIVE ones other than the account the root itself discovers (the payer) and other than those the
/// organization connected as <c>aws-linked</c> data sources of their own, which discover them (once, not twice).
/// </summary>
public static class MemberAccounts
{
    /// <summary>The skip kind of a member account that could not be discovered (its reason names it).</summary>
    public const string SkipKind = "member-account";

    public static IReadOnlyList<MemberAccount> ToDiscover(DataSourceSettings settings, IReadOnlyList<MemberAccount>? members, string rootAccountId, IReadOnlySet<string> linkedAccountIds)
    {
        if (settings.Kind != DataSourceKinds.AwsRoot || string.IsNullOrEmpty(settings.MemberAccountRoleName) || members is null)
        {
            return [];
        }

        return members
            .Where(m => string.Equals(m.Status, "ACTIVE", StringComparison.OrdinalIgnoreCase))
            .Where(m => m.AccountId != rootAccountId && m.AccountId != settings.PayerAccountId && !linkedAccountIds.Contains(m.AccountId))
            .OrderBy(m => m.AccountId, StringComparer.Ordinal)
            .ToList();
    }
}
