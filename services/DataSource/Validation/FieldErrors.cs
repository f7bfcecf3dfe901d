using System.Text.RegularExpressions;

namespace DigiUsher.DataSource.Validation;

/// <summary>Collects field errors of a request; answered as an RFC 7807 validation problem naming each field.</summary>
public sealed partial class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>The fields that have an error.</summary>
    public IReadOnlyCollection<string> Fields => _errors.Keys;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Required text of at most <paramref name="max"/> characters, without control characters.</summary>
    public void Required(string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' is required.");
            return;
        }

        Optional(field, value, max);
    }

    /// <summary>Optional text; when present, at most <paramref name="max"/> characters, without control characters.</summary>
    public void Optional(string field, string? value, int max)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > max)
        {
            Add(field, $"'{field}' is longer than {max} characters.");
        }
        else if (value.Any(char.IsControl))
        {
            Add(field, $"'{field}' contains control characters.");
        }
    }

    public void Matches(string field, string? value, Regex pattern, string explanation)
    {
        if (!string.IsNullOrEmpty(value) && value.Length <= 2048 && !pattern.IsMatch(value))
        {
            Add(field, $"'{field}' {explanation}");
        }
    }

    public void Email(string field, string? value)
    {
        Required(field, value, 254);
        Matches(field, value, EmailPattern(), "is not an email address.");
    }

    /// <summary>
    /// S3 bucket naming rules for general purpose buckets:
    /// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html.
    /// </summary>
    public void BucketName(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' is required.");
            return;
        }

        var problem = BucketNameProblem(value);
        if (problem is not null)
        {
            Add(field, $"'{field}' is not a valid S3 bucket name: {problem}");
        }
    }

    public static string? BucketNameProblem(string value) =>
        value.Length is < 3 or > 63 ? "it must be 3 to 63 characters long."
        : !BucketPattern().IsMatch(value) ? "use only lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit."
        : value.Contains("..", StringComparison.Ordinal) || value.Contains(".-", StringComparison.Ordinal) || value.Contains("-.", StringComparison.Ordinal) ? "it must not have two adjacent dots or a dot next to a hyphen."
        : IpAddressPattern().IsMatch(value) ? "it must not look like an IP address."
        : value.StartsWith("xn--", StringComparison.Ordinal) || value.StartsWith("sthree-", StringComparison.Ordinal) ? "it must not begin with 'xn--' or 'sthree-'."
        : value.EndsWith("-s3alias", StringComparison.Ordinal) || value.EndsWith("--ol-s3", StringComparison.Ordinal) || value.EndsWith(".mrap", StringComparison.Ordinal) || value.EndsWith("--x-s3", StringComparison.Ordinal)
            ? "it must not end with '-s3alias', '--ol-s3', '.mrap' or '--x-s3'."
        : null;

    public IResult ToProblem() => TypedResults.ValidationProblem(
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        title: "The request has invalid fields",
        detail: string.Join(" ", _errors.SelectMany(e => e.Value)));

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
    private static partial Regex BucketPattern();

    [GeneratedRegex(@"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")]
    private static partial Regex IpAddressPattern();
}
