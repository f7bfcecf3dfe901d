using DigiUsher.Testing;
using YamlDotNet.RepresentationModel;

namespace DigiUsher.Deployment.Tests;

public class ChartDocumentationTests
{

    [Fact]
    public void ChartReadme_WhenValuesChange_DocumentsEveryValue()
    {
        var chart = Path.Combine(TestEnvironment.RepositoryRoot, "charts", "digiusher");
        var readme = File.ReadAllText(Path.Combine(chart, "README.md"));
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(chart, "values.yaml")))
        {
            stream.Load(reader);
        }

        var undocumented = Leaves((YamlMappingNode)stream.Documents[0].RootNode, [])
            .Select(Documented)
            .Where(path => !Candidates(path).Any(c => readme.Contains($"`{c}`", StringComparison.Ordinal)))
            .Select(path => string.Join('.', path))
            .Distinct()
            .ToList();

        Assert.True(undocumented.Count == 0, "charts/digiusher/README.md does not document: " + string.Join(", ", undocumented));
    }

    // Keys of serviceDefaults and of each services entry are documented once, as <service>.key.
    private static string[] Documented(string[] path) => path[0] switch
    {
        "serviceDefaults" => ["<service>", .. path[1..]],
        "services" when path.Length > 2 => ["<service>", .. path[2..]],
        _ => path,
    };

    // A key is documented by itself or by a documented parent (podSecurityContext covers its fields),
    // though never by <service> alone.
    private static IEnumerable<string> Candidates(string[] path)
    {
        var shortest = path[0] == "<service>" ? Math.Min(2, path.Length) : 1;
        return Enumerable.Range(shortest, path.Length - shortest + 1).Select(n => string.Join('.', path[..n]));
    }

    private static IEnumerable<string[]> Leaves(YamlMappingNode node, string[] prefix)
    {
        foreach (var (key, value) in node.Children)
        {
            string[] path = [.. prefix, ((YamlScalarNode)key).Value!];
            if (value is YamlMappingNode { Children.Count: > 0 } map)
            {
                foreach (var leaf in Leaves(map, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}
