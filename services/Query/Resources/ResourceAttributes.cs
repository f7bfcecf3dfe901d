namespace DigiUsher.Query.Resources;

/// <summary>
/// Reads the kind-specific attributes discovery puts on a resource. Keys are matched without
/// regard to case and under the few spellings the EC2/S3/IAM APIs use for the same fact.
/// </summary>
public static class ResourceAttributes
{
    public static string? Get(IReadOnlyDictionary<string, string> attributes, params string[] names)
    {
        foreach (var name in names)
        {
            foreach (var (key, value) in attributes)
            {
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(value))
                {
                    return value;
                }
            }
        }

        return null;
    }

    /// <summary>The values (lower case) that say yes, whichever service wrote them; the list's <c>public</c> filter matches the same.</summary>
    public static readonly IReadOnlyList<string> TrueValues = ["true", "yes", "1", "public"];

    public static bool IsTrue(string? value) => value is not null && TrueValues.Contains(value.ToLowerInvariant());

    public static DateTimeOffset? Time(IReadOnlyDictionary<string, string> attributes, params string[] names) =>
        DateTimeOffset.TryParse(Get(attributes, names), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    public static readonly string[] Public = ["public", "isPublic", "publicAccess", "publicVerdict"];
    public static readonly string[] AttachedInstance = ["instanceId", "attachedInstanceId", "attachedTo", "attachmentInstanceId", "attachments"];
    public static readonly string[] Association = ["associationId", "instanceId", "networkInterfaceId", "associatedInstanceId"];
    public static readonly string[] SourceVolume = ["volumeId", "sourceVolumeId"];
    public static readonly string[] LastUsed = ["lastUsed", "lastUsedAt", "lastUsedDate"];
    public static readonly string[] PasswordLastUsed = ["passwordLastUsed", "passwordLastUsedAt", "lastLogin", "lastConsoleLogin"];
    public static readonly string[] ConsoleAccess = ["consoleAccess", "hasConsoleAccess", "passwordEnabled", "loginProfile", "hasPassword"];
    public static readonly string[] Size = ["size", "sizeGiB", "sizeGb"];
}
