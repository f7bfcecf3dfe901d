using System.Collections.Frozen;
using System.Text;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// A status enum as the text of its column: the member name in snake_case (<c>FailedTransient</c> is
/// <c>failed_transient</c>). Each such column has a check constraint listing exactly these names, and
/// a test compares the two, so a state added to the enum needs a migration and a state in the database
/// is always one the code knows.
/// </summary>
public static class StatusText
{
    /// <summary>The column text of <paramref name="status"/>.</summary>
    public static string Of<T>(T status)
        where T : struct, Enum => Names<T>.ByValue[status];

    /// <summary>The column texts of <paramref name="statuses"/>, for <c>status = any(@statuses)</c>.</summary>
    public static string[] Of<T>(IEnumerable<T> statuses)
        where T : struct, Enum => [.. statuses.Select(Of)];

    /// <summary>Every column text of <typeparamref name="T"/>: what the check constraint lists.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => Names<T>.All;

    /// <summary>The status a column holds.</summary>
    /// <exception cref="FormatException">The text names no member of <typeparamref name="T"/> (the check constraint and the enum differ).</exception>
    public static T Parse<T>(string text)
        where T : struct, Enum =>
        Names<T>.ByText.TryGetValue(text, out var status)
            ? status
            : throw new FormatException($"'{text}' is not a {typeof(T).Name}: expected one of {string.Join(", ", Names<T>.All)}.");

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    private static class Names<T>
        where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> ByValue = Enum.GetValues<T>().ToFrozenDictionary(v => v, v => SnakeCase(v.ToString()));
        public static readonly FrozenDictionary<string, T> ByText = ByValue.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        public static readonly IReadOnlyList<string> All = [.. Enum.GetValues<T>().Select(v => ByValue[v])];
    }
}
