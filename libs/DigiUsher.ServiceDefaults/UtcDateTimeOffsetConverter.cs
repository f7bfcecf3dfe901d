using System.Text.Json;
using System.Text.Json.Serialization;

namespace DigiUsher.ServiceDefaults;

/// <summary>
/// Reads every instant as UTC, once, where JSON enters a service (messages, request bodies): Npgsql
/// writes only offset-zero values to <c>timestamptz</c>, and a publisher may send any offset.
/// Written as is.
/// </summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
