using System.Text.Json;
using DigiUsher.ServiceDefaults;

namespace DigiUsher.Query.Data;

/// <summary>The JSON shape of what Query stores in jsonb columns (the same camelCase as the API).</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }
}
