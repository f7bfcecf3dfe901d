using System.Net;
using Amazon.Runtime;

namespace DigiUsher.Aws;

/// <summary>What an AWS error answer means, whichever API gave it.</summary>
public enum AwsErrorKind
{
    /// <summary>The identity's policies (or a bucket policy, an SCP) do not allow the action.</summary>
    AccessDenied,

    /// <summary>The keys are wrong, deleted or inactive, or the request's signature does not match them.</summary>
    InvalidCredentials,

    /// <summary>Temporary (session) credentials are past their expiry.</summary>
    ExpiredToken,

    /// <summary>The region is not enabled for the account (opt-in regions).</summary>
    RegionDisabled,

    /// <summary>The bucket is in another region than the request was signed for.</summary>
    WrongRegion,

    /// <summary>The thing asked about does not exist (<c>NoSuch*</c>, 404).</summary>
    NotFound,

    /// <summary>Too many requests; worth another attempt later.</summary>
    Throttled,

    /// <summary>A 5xx answer, or no answer at all (status 0).</summary>
    Unavailable,

    /// <summary>Anything else (a bad request, an unknown code).</summary>
    Other,
}

/// <summary>
/// The one classifier of AWS error answers, for the SDK's exceptions and our own SigV4 clients. The
/// codes are those AWS documents per API (e.g.
/// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html,
/// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
/// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html); a 403 with any other code is a denial.
/// </summary>
public static class AwsErrors
{
    private static readonly Dictionary<string, AwsErrorKind> Codes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AccessDenied"] = AwsErrorKind.AccessDenied,
        ["AccessDeniedException"] = AwsErrorKind.AccessDenied,
        ["UnauthorizedOperation"] = AwsErrorKind.AccessDenied,
        ["UnauthorizedAccess"] = AwsErrorKind.AccessDenied,
        ["AuthorizationError"] = AwsErrorKind.AccessDenied,
        ["AllAccessDisabled"] = AwsErrorKind.AccessDenied,
        ["Forbidden"] = AwsErrorKind.AccessDenied,
        ["InvalidAccessKeyId"] = AwsErrorKind.InvalidCredentials,
        ["InvalidClientTokenId"] = AwsErrorKind.InvalidCredentials,
        ["UnrecognizedClientException"] = AwsErrorKind.InvalidCredentials,
        ["SignatureDoesNotMatch"] = AwsErrorKind.InvalidCredentials,
        ["InvalidSignatureException"] = AwsErrorKind.InvalidCredentials,
        ["IncompleteSignature"] = AwsErrorKind.InvalidCredentials,
        ["InvalidToken"] = AwsErrorKind.InvalidCredentials,
        ["MissingAuthenticationToken"] = AwsErrorKind.InvalidCredentials,
        ["AuthFailure"] = AwsErrorKind.InvalidCredentials,
        ["ExpiredToken"] = AwsErrorKind.ExpiredToken,
        ["ExpiredTokenException"] = AwsErrorKind.ExpiredToken,
        ["OptInRequired"] = AwsErrorKind.RegionDisabled,
        ["PermanentRedirect"] = AwsErrorKind.WrongRegion,
        ["AuthorizationHeaderMalformed"] = AwsErrorKind.WrongRegion,
        ["IllegalLocationConstraintException"] = AwsErrorKind.WrongRegion,
        ["NoSuchBucket"] = AwsErrorKind.NotFound,
        ["NoSuchKey"] = AwsErrorKind.NotFound,
        ["NoSuchEntity"] = AwsErrorKind.NotFound,
        ["NoSuchTagSet"] = AwsErrorKind.NotFound,
        ["NoSuchPublicAccessBlockConfiguration"] = AwsErrorKind.NotFound,
        ["NoSuchBucketPolicy"] = AwsErrorKind.NotFound,
        ["Throttling"] = AwsErrorKind.Throttled,
        ["ThrottlingException"] = AwsErrorKind.Throttled,
        ["RequestLimitExceeded"] = AwsErrorKind.Throttled,
        ["TooManyRequestsException"] = AwsErrorKind.Throttled,
        ["RequestThrottled"] = AwsErrorKind.Throttled,
        ["RequestThrottledException"] = AwsErrorKind.Throttled,
        ["SlowDown"] = AwsErrorKind.Throttled,
    };

    /// <summary>The kind of an error answer from its AWS error code and HTTP status (0: no answer).</summary>
    public static AwsErrorKind Classify(string? code, HttpStatusCode status) =>
        Codes.TryGetValue(code ?? string.Empty, out var kind) ? kind
        : status switch
        {
            HttpStatusCode.Forbidden => AwsErrorKind.AccessDenied,
            HttpStatusCode.NotFound => AwsErrorKind.NotFound,
            HttpStatusCode.TooManyRequests => AwsErrorKind.Throttled,
            0 or >= HttpStatusCode.InternalServerError => AwsErrorKind.Unavailable,
            _ => AwsErrorKind.Other,
        };

    public static AwsErrorKind Classify(AmazonServiceException ex) => Classify(ex.ErrorCode, ex.StatusCode);

    /// <summary>AWS refused the keys themselves: wrong, inactive, or expired.</summary>
    public static bool IsCredentialsRejected(this AwsErrorKind kind) => kind is AwsErrorKind.InvalidCredentials or AwsErrorKind.ExpiredToken;

    /// <summary>Worth another attempt: throttled, a 5xx, or no answer.</summary>
    public static bool IsTransient(this AwsErrorKind kind) => kind is AwsErrorKind.Throttled or AwsErrorKind.Unavailable;

    /// <summary><c>Code on action: message</c>, for a person reading a status or a log.</summary>
    public static string Describe(string action, AmazonServiceException ex) =>
        $"{ex.ErrorCode ?? ex.StatusCode.ToString()} on {action}: {ex.Message}".TrimEnd();
}
