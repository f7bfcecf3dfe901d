using System.Text.Json;
using System.Text.Json.Serialization;

namespace DigiUsher.Console.Apis;

public static class ApiJson
{
    /// <summary>camelCase both ways; absent optional fields are not sent (PATCH changes only what is given).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
