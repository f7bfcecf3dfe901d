using System.Text.RegularExpressions;

namespace DigiUsher.Query.Resources;

/// <summary>
/// The key that joins a CUR line to a discovered resource. Discovery emits bare ids (i-..., vol-...,
/// snap-...); the CUR writes some EC2 resources as ARNs, e.g. snapshots as
/// <c>arn:aws:ec2:REGION:ACCOUNT:snapshot/snap-...</c>
/// (https://docs.aws.amazon.com/cur/latest/userguide/Lineitem-columns.html#Lineitem-details-R-ResourceId),
/// so EC2 ARNs are reduced to the id after the resource type.
/// </summary>
public static partial class ResourceKey
{
    public static string Normalize(string? resourceId)
    {
        if (string.IsNullOrWhiteSpace(resourceId))
        {
            return string.Empty;
        }

        var trimmed = resourceId.Trim();
        var match = Ec2Arn().Match(trimmed);
        return match.Success ? match.Groups["id"].Value : trimmed;
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:ec2:[^:]*:[^:]*:[a-z-]+/(?<id>[^/]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Ec2Arn();
}
