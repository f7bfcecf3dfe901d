using Amazon.Runtime;
using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Aws.Organizations;

namespace DigiUsher.DataSource.Connections;

/// <summary>An AWS call that failed, whichever client made it: what kind of failure, and AWS's words.</summary>
/// <param name="Kind">What the error means (<see cref="AwsErrors"/>).</param>
/// <param name="Code">AWS's error code, when AWS answered.</param>
/// <param name="Detail">The code and message, or why there was no answer.</param>
public sealed record ProbeFailure(AwsErrorKind Kind, string? Code, string Detail)
{
    /// <summary>The failure an exception of an AWS client stands for; null for any other exception.</summary>
    public static ProbeFailure? Of(Exception exception) => exception switch
    {
        AmazonServiceException ex => new(AwsErrors.Classify(ex), ex.ErrorCode, $"{ex.ErrorCode}: {ex.Message}"),
        IdentityManagementException ex => new(KindOf(ex.Failure), ex.ErrorCode, $"{ex.ErrorCode}: {ex.Message}"),
        CloudWatchException ex => new(KindOf(ex.Failure), ex.ErrorCode, $"{ex.ErrorCode}: {ex.Message}"),
        OrganizationsException { NotInOrganization: true } ex => new(ex.Kind, ex.ErrorCode, "The account is in no AWS Organization: it has no member accounts to list."),
        OrganizationsException ex => new(ex.Kind, ex.ErrorCode, ex.Message),
        AmazonClientException or HttpRequestException => new(AwsErrorKind.Unavailable, null, exception.Message),
        _ => null,
    };

    private static AwsErrorKind KindOf(IdentityManagementFailure failure) => failure switch
    {
        IdentityManagementFailure.AccessDenied => AwsErrorKind.AccessDenied,
        IdentityManagementFailure.InvalidCredentials => AwsErrorKind.InvalidCredentials,
        IdentityManagementFailure.NoSuchEntity => AwsErrorKind.NotFound,
        IdentityManagementFailure.Unavailable => AwsErrorKind.Unavailable,
        _ => AwsErrorKind.Other,
    };

    private static AwsErrorKind KindOf(CloudWatchFailure failure) => failure switch
    {
        CloudWatchFailure.AccessDenied => AwsErrorKind.AccessDenied,
        CloudWatchFailure.InvalidCredentials => AwsErrorKind.InvalidCredentials,
        CloudWatchFailure.Unavailable => AwsErrorKind.Unavailable,
        _ => AwsErrorKind.Other,
    };
}

/// <summary>One permission of the connection guide and how to check it.</summary>
/// <param name="Action">The IAM action, e.g. <c>s3:GetBucketTagging</c>.</param>
/// <param name="Feature"><c>billing</c> (required) or the discovery feature it enables.</param>
/// <param name="Resource">What it is checked on.</param>
/// <param name="Fix">What to change when AWS denies it.</param>
/// <param name="Call">A read that needs exactly this permission.</param>
/// <param name="AbsentMeansAllowed">
/// A "no such ..." answer (no tag set, no public access block, no key) proves that the call was allowed.
/// </param>
public sealed record PermissionProbe(string Action, string Feature, string Resource, string Fix, Func<CancellationToken, Task> Call, bool AbsentMeansAllowed = false)
{
    /// <summary>Makes the call; the check says what AWS answered.</summary>
    public async Task<PermissionCheck> RunAsync(CancellationToken cancellationToken) => (await TryAsync(cancellationToken)).Check;

    /// <summary>Makes the call; the check, and the failure it was judged from (null when allowed).</summary>
    public async Task<(PermissionCheck Check, ProbeFailure? Failure)> TryAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Call(cancellationToken);
            return (Allowed(), null);
        }
        catch (Exception ex) when (ProbeFailure.Of(ex) is { } failure)
        {
            return (Judge(failure), failure);
        }
    }

    /// <summary>Denied only when AWS says so: any other failure says nothing about the policy.</summary>
    public PermissionCheck Judge(ProbeFailure failure) => failure.Kind switch
    {
        AwsErrorKind.NotFound when AbsentMeansAllowed => Allowed(),
        AwsErrorKind.AccessDenied => new(Action, Feature, Resource, PermissionStatus.Denied, failure.Detail, Fix),
        _ => new(Action, Feature, Resource, PermissionStatus.NotChecked, failure.Detail),
    };

    /// <summary>A check that could not be made at all, and why.</summary>
    public PermissionCheck NotChecked(string why) => new(Action, Feature, Resource, PermissionStatus.NotChecked, why);

    private PermissionCheck Allowed() => new(Action, Feature, Resource, PermissionStatus.Ok, null);
}
