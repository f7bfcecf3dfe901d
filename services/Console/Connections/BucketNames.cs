using System.Text.RegularExpressions;

namespace DigiUsher.Console.Connections;

/// <summary>
/// S3 general purpose bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html),
/// checked as the person types so the policies are asked for only with a name DataSource accepts.
/// </summary>
public static partial class BucketNames
{
    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "the bucket name is required.";
        }

        var value = name.Trim();
        return value.Length is < 3 or > 63 ? "it must be 3 to 63 characters long."
            : !Pattern().IsMatch(value) ? "use only lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit."
            : value.Contains("..", StringComparison.Ordinal) ? "it must not have two adjacent dots."
            : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
    private static partial Regex Pattern();
}
