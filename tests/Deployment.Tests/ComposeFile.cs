using YamlDotNet.RepresentationModel;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// docker-compose.yml as plain dictionaries, lists and strings, with anchors and merge keys
/// (<c>&lt;&lt;: *anchor</c>) resolved the way Compose resolves them.
/// </summary>
internal static class ComposeFile
{
    public static Dictionary<string, object> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return (Dictionary<string, object>)Convert(Assert.Single(stream.Documents).RootNode);
    }

    public static Dictionary<string, object> Map(this Dictionary<string, object> map, string key) => (Dictionary<string, object>)map[key];

    public static List<object> List(this Dictionary<string, object> map, string key) => (List<object>)map[key];

    private static object Convert(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? string.Empty,
        YamlSequenceNode sequence => sequence.Children.Select(Convert).ToList(),
        YamlMappingNode mapping => ConvertMapping(mapping),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static Dictionary<string, object> ConvertMapping(YamlMappingNode mapping)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children.Where(c => ((YamlScalarNode)c.Key).Value == "<<"))
        {
            foreach (var (mergedKey, mergedValue) in (Dictionary<string, object>)Convert(value))
            {
                result[mergedKey] = mergedValue;
            }
        }

        foreach (var (key, value) in mapping.Children.Where(c => ((YamlScalarNode)c.Key).Value != "<<"))
        {
            result[((YamlScalarNode)key).Value!] = Convert(value);
        }

        return result;
    }
}
