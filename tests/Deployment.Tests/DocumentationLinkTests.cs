using System.Text.RegularExpressions;
using DigiUsher.Testing;

namespace DigiUsher.Deployment.Tests;

/// <summary>A clone is all a newcomer has: every relative link of the READMEs and docs/ resolves inside it.</summary>
public partial class DocumentationLinkTests
{
    [Fact]
    public void RelativeLinks_WhenFollowedFromAClone_StayInsideTheRepositoryAndExist()
    {
        var root = TestEnvironment.RepositoryRoot;
        var documents = Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part is ".dev" or "bin" or "obj" or "node_modules" or ".git"))
            .ToList();
        Assert.Contains(documents, d => d.EndsWith(Path.Combine("docs", "ARCHITECTURE.md"), StringComparison.Ordinal));

        var broken = new List<string>();
        foreach (var document in documents)
        {
            foreach (Match link in Link().Matches(File.ReadAllText(document)))
            {
                var target = link.Groups[1].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, target));
                if (!resolved.StartsWith(root, StringComparison.Ordinal) || !Path.Exists(resolved))
                {
                    broken.Add($"{Path.GetRelativePath(root, document)} -> {target}");
                }
            }
        }

        Assert.True(broken.Count == 0, "links leaving the repository or to nothing: " + string.Join(", ", broken));
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
