namespace DigiUsher.Query.Data;

/// <summary>
/// The name shown beside a resource's account id, as SQL: the account's display name (view
/// <c>account_display_names</c>: AWS Organizations, else the CUR's), else the name discovery saw for a member
/// account (the resource's <c>accountName</c> attribute), else null. Only the organization's own names count.
/// </summary>
public static class AccountDisplayName
{
    /// <param name="organizationId">SQL for the caller's organization id (a parameter).</param>
    /// <param name="accountId">SQL for the resource's account id column.</param>
    /// <param name="attributes">SQL for the resource's jsonb attributes column.</param>
    public static string Of(string organizationId, string accountId, string attributes) =>
        $"""
        coalesce((select n.name from {QueryDb.Schema}.account_display_names n where n.organization_id = {organizationId} and n.account_id = {accountId}),
            nullif({attributes}->>'accountName', ''))
        """;
}
