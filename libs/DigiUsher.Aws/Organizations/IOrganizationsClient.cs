using Amazon.Runtime;

namespace DigiUsher.Aws.Organizations;

/// <summary>
/// The AWS Organizations reads DigiUsher needs, shaped like AWSSDK.Organizations' client (which is not
/// served to us) so the official package can replace ours. Organizations is global: every call goes
/// to the us-east-1 endpoint (https://docs.aws.amazon.com/general/latest/gr/ao.html).
/// </summary>
public interface IOrganizationsClient
{
    /// <summary>
    /// One page of <c>organizations:ListAccounts</c> (the management account or a delegated administrator
    /// only); pass the previous page's <see cref="ListAccountsResponse.NextToken"/> while it has one. AWS may
    /// answer a page with fewer accounts than asked, even none, and still a token.
    /// </summary>
    /// <exception cref="OrganizationsException">AWS refused or could not answer.</exception>
    Task<ListAccountsResponse> ListAccountsAsync(AWSCredentials credentials, ListAccountsRequest request, CancellationToken cancellationToken);

    /// <summary><c>organizations:DescribeOrganization</c>: the organization of the caller's account.</summary>
    /// <exception cref="OrganizationsException">
    /// <see cref="OrganizationsException.NotInOrganization"/> when the account is in none.
    /// </exception>
    Task<OrganizationDescription> DescribeOrganizationAsync(AWSCredentials credentials, CancellationToken cancellationToken);
}

/// <summary>Request of <c>ListAccounts</c>.</summary>
/// <param name="NextToken">Where the previous page stopped.</param>
/// <param name="MaxResults">Page size, 1..20 (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html).</param>
public sealed record ListAccountsRequest(string? NextToken = null, int? MaxResults = null);

/// <summary>A page of accounts.</summary>
public sealed record ListAccountsResponse(IReadOnlyList<OrganizationAccount> Accounts, string? NextToken);

/// <summary>A member account as <c>ListAccounts</c> returns it.</summary>
/// <param name="Id">The 12-digit account id.</param>
/// <param name="Arn">Its ARN in the organization.</param>
/// <param name="Name">The friendly name (the one the billing console shows).</param>
/// <param name="Email">The root user's email.</param>
/// <param name="Status"><c>ACTIVE</c>, <c>SUSPENDED</c> or <c>PENDING_CLOSURE</c>.</param>
/// <param name="JoinedMethod"><c>INVITED</c> or <c>CREATED</c>.</param>
/// <param name="JoinedTimestamp">When it joined.</param>
public sealed record OrganizationAccount(string Id, string Arn, string Name, string Email, string Status, string JoinedMethod, DateTimeOffset? JoinedTimestamp)
{
    public bool IsActive => string.Equals(Status, "ACTIVE", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An organization as <c>DescribeOrganization</c> returns it.</summary>
/// <param name="Id">The organization id, <c>o-</c> and 10 characters.</param>
/// <param name="Arn">Its ARN.</param>
/// <param name="FeatureSet"><c>ALL</c> or <c>CONSOLIDATED_BILLING</c>.</param>
/// <param name="MasterAccountId">The management (payer) account.</param>
/// <param name="MasterAccountEmail">Its root user's email.</param>
public sealed record OrganizationDescription(string Id, string Arn, string FeatureSet, string MasterAccountId, string MasterAccountEmail);

/// <summary>Organizations answered with an error, or not at all.</summary>
/// <param name="kind">What the error means, by <see cref="AwsErrors.Classify(string?, System.Net.HttpStatusCode)"/>.</param>
/// <param name="action">The action, e.g. <c>organizations:ListAccounts</c>.</param>
/// <param name="errorCode">AWS's error code.</param>
/// <param name="message">The action, code and AWS's message.</param>
/// <param name="inner">The protocol-level error.</param>
public sealed class OrganizationsException(AwsErrorKind kind, string action, string errorCode, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public AwsErrorKind Kind { get; } = kind;

    public string Action { get; } = action;

    public string ErrorCode { get; } = errorCode;

    /// <summary>The caller's account is in no organization (<c>AWSOrganizationsNotInUseException</c>).</summary>
    public bool NotInOrganization => ErrorCode == "AWSOrganizationsNotInUseException";
}
