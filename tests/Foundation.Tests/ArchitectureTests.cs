using System.Xml.Linq;
using DigiUsher.Testing;

namespace DigiUsher.Foundation.Tests;

public class ArchitectureTests
{
    private static IEnumerable<string> ServiceProjects() =>
        Directory.GetFiles(Path.Combine(TestEnvironment.RepositoryRoot, "services"), "*.csproj", SearchOption.AllDirectories);

    [Fact]
    public void Services_WhenReferencingProjects_ReferenceOnlyLibs()
    {
        var libs = Path.Combine(TestEnvironment.RepositoryRoot, "libs") + Path.DirectorySeparatorChar;
        var offending = new List<string>();
        var projects = ServiceProjects().ToList();
        Assert.Equal(6, projects.Count);
        foreach (var project in projects)
        {
            var references = XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, r.Attribute("Include")!.Value)));
            offending.AddRange(references.Where(r => !r.StartsWith(libs, StringComparison.Ordinal)).Select(r => $"{Path.GetFileName(project)} -> {r}"));
        }

        Assert.Empty(offending);
    }

    [Fact]
    public void Libs_WhenReferencingProjects_NeverReferenceServices()
    {
        var services = Path.Combine(TestEnvironment.RepositoryRoot, "services") + Path.DirectorySeparatorChar;
        var libs = Directory.GetFiles(Path.Combine(TestEnvironment.RepositoryRoot, "libs"), "*.csproj", SearchOption.AllDirectories);
        var offending = libs.SelectMany(project => XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, r.Attribute("Include")!.Value)))
                .Where(r => r.StartsWith(services, StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(offending);
    }

    [Fact]
    public void Contracts_WhenDeclared_AreNamespacedRecordsWithMessageUrn()
    {
        var assembly = typeof(DigiUsher.Contracts.IIntegrationMessage).Assembly;
        var messages = assembly.GetTypes().Where(t => t.IsClass && typeof(DigiUsher.Contracts.IIntegrationMessage).IsAssignableFrom(t)).ToList();
        Assert.NotEmpty(messages);
        foreach (var message in messages)
        {
            Assert.False(string.IsNullOrEmpty(message.Namespace), $"{message.Name} is outside a namespace");
            Assert.True(message.IsSealed, $"{message.Name} is not sealed");
            Assert.NotNull(message.GetMethod("<Clone>$"));
            Assert.Contains(message.GetCustomAttributesData(), a => a.AttributeType.Name == "MessageUrnAttribute");
        }
    }

    [Fact]
    public void PackageVersions_WhenPinned_KeepMassTransitOnTheFreeLicence()
    {
        var props = XDocument.Load(Path.Combine(TestEnvironment.RepositoryRoot, "Directory.Packages.props"));
        var massTransit = props.Descendants("PackageVersion")
            .Where(p => p.Attribute("Include")!.Value.StartsWith("MassTransit", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(massTransit);
        Assert.All(massTransit, p => Assert.Equal("8.5.12", p.Attribute("Version")!.Value));
    }
}
