using System.Net;
using Amazon.Runtime;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>Classifies AWS SDK errors the way discovery reacts to them.</summary>
public static class AwsErrors
{
    private static readonly HashSet<string> Denied = new(StringComparer.OrdinalIgnoreCase)
    {
        "UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "UnauthorizedAccess", "AllAccessDisabled",
    };

    // A region that is not enabled for the account refuses the keys:
    // https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
    private static readonly HashSet<string> RegionRefused = new(StringComparer.OrdinalIgnoreCase)
    {
        "AuthFailure", "OptInRequired", "InvalidClientTokenId", "UnrecognizedClientException",
    };

    public static bool IsAccessDenied(AmazonServiceException ex) =>
        Denied.Contains(ex.ErrorCode ?? string.Empty) || (ex.StatusCode == HttpStatusCode.Forbidden && !IsRegionRefused(ex));

    public static bool IsRegionRefused(AmazonServiceException ex) => RegionRefused.Contains(ex.ErrorCode ?? string.Empty);

    public static string Describe(string action, AmazonServiceException ex) =>
        $"{ex.ErrorCode ?? ex.StatusCode.ToString()} on {action}: {ex.Message}".TrimEnd();
}
