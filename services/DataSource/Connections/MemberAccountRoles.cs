using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using DigiUsher.Aws;
using DigiUsher.Aws.Organizations;

namespace DigiUsher.DataSource.Connections;

/// <summary>Whether a member account let the root into its member account role.</summary>
public enum MemberAccountStatus
{
    /// <summary>STS answered AssumeRole with credentials in the account.</summary>
    Ok,

    /// <summary>AWS refused the role (it does not exist, its trust policy does not name the payer, the external id, or the root may not assume it).</summary>
    Refused,
}

/// <summary>One member account of the payer's AWS Organization and what assuming the member account role there gave.</summary>
/// <param name="AccountId">The 12-digit account id.</param>
/// <param name="Name">Its name in AWS Organizations.</param>
/// <param name="RoleArn">The role tried: <c>arn:aws:iam::{AccountId}:role/{roleName}</c>.</param>
/// <param name="Status">ok or refused.</param>
/// <param name="Detail">When refused: AWS's error code and message, and what to check.</param>
public sealed record MemberAccountCheck(string AccountId, string Name, string RoleArn, MemberAccountStatus Status, string? Detail);

/// <summary>
/// The member account role of a root data source: DataSource assumes it in the member accounts the root's
/// <c>organizations:ListAccounts</c> lists, with the root's own credentials (role chaining from the payer's
/// principal) and the root's DataSource-issued external id when the root is a role; so no tenant can name an
/// account outside its payer's organization, and the other services never hold the root's credentials.
/// </summary>
public sealed class MemberAccountRoles(CredentialResolver resolver, IOrganizationsClient organizations)
{
    /// <summary>Member accounts tried at once by a connection check.</summary>
    public const int MaxParallelChecks = 8;

    public static string RoleArn(string accountId, string roleName) => $"arn:aws:iam::{accountId}:role/{roleName}";

    /// <summary>The organization's ACTIVE accounts other than its management account and <paramref name="notMembers"/> (the payer the CUR names).</summary>
    /// <exception cref="OrganizationsException">AWS refused or the payer manages no organization.</exception>
    public async Task<IReadOnlyList<OrganizationAccount>> MembersAsync(AWSCredentials root, IEnumerable<string?> notMembers, CancellationToken cancellationToken)
    {
        var excluded = notMembers.Where(a => !string.IsNullOrEmpty(a)).ToHashSet(StringComparer.Ordinal);
        excluded.Add((await organizations.DescribeOrganizationAsync(root, cancellationToken)).MasterAccountId);
        var accounts = await organizations.ListAllAccountsAsync(root, cancellationToken);
        return accounts.Where(a => a.IsActive && !excluded.Contains(a.Id)).OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Credentials in <paramref name="accountId"/> by its member account role.</summary>
    /// <exception cref="AmazonServiceException">STS refused.</exception>
    public async Task<ResolvedCredentials> AssumeAsync(AWSCredentials root, string accountId, string roleName, string? externalId, string sessionName, CancellationToken cancellationToken)
    {
        using var sts = resolver.CreateSts(root);
        // Role chaining caps the session at one hour: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = RoleArn(accountId, roleName),
            RoleSessionName = sessionName,
            ExternalId = externalId,
            DurationSeconds = 3600,
        }, cancellationToken);
        var c = response.Credentials;
        return new ResolvedCredentials(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), c.AccessKeyId, c.SecretAccessKey, c.SessionToken, AwsTimestamps.Utc(c.Expiration));
    }

    /// <summary>
    /// The connection check of a member account role: tries it in every member account and says, per account,
    /// whether it worked; a refusal is reported, never fatal (the payer's costs and the other accounts go on).
    /// </summary>
    public async Task<ValidationReport> CheckAsync(ValidationReport report, ConnectionCredentials rootCredentials, string roleName, CancellationToken cancellationToken)
    {
        if (!report.Accepted)
        {
            return report;
        }

        var externalId = (rootCredentials as ConnectionCredentials.Role)?.ExternalId;
        IReadOnlyList<OrganizationAccount> members;
        ResolvedCredentials root;
        try
        {
            root = await resolver.ResolveAsync(rootCredentials, "digiusher-member-check", cancellationToken);
            members = await MembersAsync(root.Credentials, [report.PayerAccountId], cancellationToken);
        }
        catch (OrganizationsException ex)
        {
            var why = ex.NotInOrganization
                ? "the payer account manages no AWS Organization"
                : $"{ex.Action} answered {ex.ErrorCode}: the member accounts are listed by organizations:ListAccounts, which the root's identity needs";
            return report with { Warnings = [.. report.Warnings, $"memberAccountRole '{roleName}' was not tried: {why}."], MemberAccounts = [] };
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException)
        {
            return report with { Warnings = [.. report.Warnings, $"memberAccountRole '{roleName}' was not tried: the root's credentials did not answer ({ex.Message})."], MemberAccounts = [] };
        }

        var checks = new MemberAccountCheck[members.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, members.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelChecks, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var account = members[i];
                var arn = RoleArn(account.Id, roleName);
                try
                {
                    await AssumeAsync(root.Credentials, account.Id, roleName, externalId, "digiusher-member-check", ct);
                    checks[i] = new MemberAccountCheck(account.Id, account.Name, arn, MemberAccountStatus.Ok, null);
                }
                catch (AmazonServiceException ex)
                {
                    checks[i] = new MemberAccountCheck(account.Id, account.Name, arn, MemberAccountStatus.Refused, RefusalDetail(ex, externalId));
                }
            });
        var refused = checks.Where(c => c.Status == MemberAccountStatus.Refused).ToList();
        var warnings = refused.Count == 0 ? report.Warnings
            : [.. report.Warnings, $"memberAccountRole '{roleName}' was refused in {refused.Count} of {checks.Length} member accounts "
                + $"({string.Join(", ", refused.Take(5).Select(c => c.AccountId))}{(refused.Count > 5 ? ", ..." : string.Empty)}): they are not discovered until they let it in."];
        return report with { MemberAccounts = checks, Warnings = warnings };
    }

    public static string RefusalDetail(AmazonServiceException ex, string? externalId) =>
        $"{ex.ErrorCode}: {ex.Message} Check that the role exists in the account, that its trust policy allows sts:AssumeRole to the payer's principal"
        + (externalId is null ? string.Empty : $" with sts:ExternalId '{externalId}'")
        + ", and that the root's identity may call sts:AssumeRole on it.";
}
