using System.Globalization;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text;

namespace DigiUsher.Console.Apis;

/// <summary>Reading and writing the typed client's values the pages show or send.</summary>
public static class ApiValues
{
    /// <summary>The timestamp in UTC as <paramref name="format"/>, or "" when there is none.</summary>
    public static string Utc(DateTimeOffset? value, string format) =>
        value?.ToUniversalTime().ToString(format, CultureInfo.InvariantCulture) ?? "";

    /// <summary>The generated enum member whose wire name (<see cref="EnumMemberAttribute"/>) is <paramref name="wire"/>.</summary>
    public static TEnum Parse<TEnum>(string wire)
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().FirstOrDefault(v => Wire(v) == wire) is var found && Wire(found) == wire
            ? found
            : throw new ArgumentOutOfRangeException(nameof(wire), wire, $"Not a value of {typeof(TEnum).Name}.");

    /// <summary>The wire name of a generated enum member.</summary>
    public static string Wire<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        typeof(TEnum).GetField(value.ToString())?.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? value.ToString();

    /// <summary>Every item of a cursor-paged list, following the cursors, up to <paramref name="max"/>.</summary>
    public static async Task<IReadOnlyList<T>> AllAsync<T>(Func<string?, Task<(IReadOnlyList<T> Items, string? NextCursor)>> page, int max = int.MaxValue)
    {
        var all = new List<T>();
        string? cursor = null;
        do
        {
            var (items, next) = await page(cursor);
            all.AddRange(items);
            cursor = next;
        }
        while (cursor is not null && all.Count < max);
        return all;
    }
}

/// <summary>Builds a query string from name/value pairs, leaving out empty values.</summary>
public sealed class ApiQuery
{
    private readonly StringBuilder _text = new();

    public ApiQuery Add(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _text.Append(_text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    /// <summary>Adds the pair even when the value is empty (<c>tag:team=</c> asks for the untagged).</summary>
    public ApiQuery AddEvenEmpty(string name, string value)
    {
        _text.Append(_text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public ApiQuery Add(string name, DateOnly? value) => Add(name, value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    public ApiQuery Add(string name, Guid? value) => Add(name, value?.ToString());

    public ApiQuery Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => _text.ToString();
}
