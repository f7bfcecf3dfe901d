using Amazon.Runtime;

namespace DigiUsher.Aws.IdentityManagement;

/// <summary>
/// The IAM reads discovery and connection validation need, shaped like AWSSDK.IdentityManagement's
/// client (which is not served to us) so the official package can replace ours. IAM is global: every
/// call is signed for <c>us-east-1</c>.
/// </summary>
public interface IIdentityManagementClient
{
    /// <summary>One page of <c>iam:ListUsers</c>; pass the previous page's <see cref="ListUsersResponse.Marker"/> while it is truncated.</summary>
    /// <exception cref="IdentityManagementException">AWS refused (e.g. <see cref="IdentityManagementFailure.AccessDenied"/>).</exception>
    Task<ListUsersResponse> ListUsersAsync(AWSCredentials credentials, ListUsersRequest request, CancellationToken cancellationToken);

    /// <summary>One page of <c>iam:ListAccessKeys</c> of a user.</summary>
    Task<ListAccessKeysResponse> ListAccessKeysAsync(AWSCredentials credentials, ListAccessKeysRequest request, CancellationToken cancellationToken);

    /// <summary><c>iam:GetAccessKeyLastUsed</c>; a never used key has no date and <c>N/A</c> service and region.</summary>
    Task<GetAccessKeyLastUsedResponse> GetAccessKeyLastUsedAsync(AWSCredentials credentials, string accessKeyId, CancellationToken cancellationToken);

    /// <summary><c>iam:GetLoginProfile</c>; null when the user has no console password (AWS answers <c>NoSuchEntity</c>).</summary>
    Task<LoginProfile?> GetLoginProfileAsync(AWSCredentials credentials, string userName, CancellationToken cancellationToken);
}

/// <summary>Request of <c>ListUsers</c>.</summary>
/// <param name="Marker">Where the previous page stopped.</param>
/// <param name="MaxItems">Page size, 1..1000 (AWS defaults to 100).</param>
/// <param name="PathPrefix">Only users under this path.</param>
public sealed record ListUsersRequest(string? Marker = null, int? MaxItems = null, string? PathPrefix = null);

/// <summary>A page of users.</summary>
public sealed record ListUsersResponse(IReadOnlyList<IamUser> Users, bool IsTruncated, string? Marker);

/// <summary>An IAM user as <c>ListUsers</c> returns it; <c>PasswordLastUsed</c> is null if never used or no password.</summary>
public sealed record IamUser(string UserName, string UserId, string Arn, string Path, DateTimeOffset? CreateDate, DateTimeOffset? PasswordLastUsed);

/// <summary>Request of <c>ListAccessKeys</c>.</summary>
public sealed record ListAccessKeysRequest(string UserName, string? Marker = null, int? MaxItems = null);

/// <summary>A page of access keys.</summary>
public sealed record ListAccessKeysResponse(IReadOnlyList<AccessKeyMetadata> AccessKeyMetadata, bool IsTruncated, string? Marker);

/// <summary>An access key (never its secret); <c>Status</c> is <c>Active</c> or <c>Inactive</c>.</summary>
public sealed record AccessKeyMetadata(string UserName, string AccessKeyId, string Status, DateTimeOffset? CreateDate);

/// <summary>Answer of <c>GetAccessKeyLastUsed</c>.</summary>
public sealed record GetAccessKeyLastUsedResponse(string? UserName, AccessKeyLastUsed AccessKeyLastUsed);

/// <summary>Last use of a key; <see cref="LastUsedDate"/> null and <c>N/A</c> elsewhere when never used.</summary>
public sealed record AccessKeyLastUsed(DateTimeOffset? LastUsedDate, string? ServiceName, string? Region);

/// <summary>A console login profile.</summary>
public sealed record LoginProfile(string UserName, DateTimeOffset? CreateDate, bool PasswordResetRequired);

/// <summary>Why IAM could not answer.</summary>
public enum IdentityManagementFailure
{
    /// <summary>The credentials may not call the action.</summary>
    AccessDenied,

    /// <summary>The keys are invalid or expired.</summary>
    InvalidCredentials,

    /// <summary>The user or key does not exist.</summary>
    NoSuchEntity,

    /// <summary>Throttled after all retries, 5xx, or unreachable.</summary>
    Unavailable,

    /// <summary>Anything else (bad request).</summary>
    Failed,
}

/// <summary>IAM answered with an error.</summary>
public sealed class IdentityManagementException(IdentityManagementFailure failure, string action, string errorCode, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public IdentityManagementFailure Failure { get; } = failure;

    /// <summary>The API action, e.g. <c>iam:ListUsers</c>.</summary>
    public string Action { get; } = action;

    /// <summary>AWS's error code.</summary>
    public string ErrorCode { get; } = errorCode;
}
