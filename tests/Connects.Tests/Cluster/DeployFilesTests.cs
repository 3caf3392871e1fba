using System.Diagnostics;
using Connects.Tests.Support;

namespace Connects.Tests.Cluster;

public sealed class DeployFilesTests
{
    /// <summary>No container engine runs here: compose, the Kubernetes manifests and the Dockerfiles are checked offline
    /// (yamllint, docker-compose config, kubectl's client-side decoding; see deploy/validate.sh).</summary>
    [Fact]
    public async Task Compose_kubernetes_manifests_and_dockerfiles_validate_offline()
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "deploy", "validate.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);
        foreach (var manifest in new[] { "silo-deployment.yaml", "silo-hpa.yaml", "silo-pdb.yaml", "silo-networkpolicy.yaml", "api-deployment.yaml", "api-service.yaml" })
            Assert.Contains(output.Split('\n'), line => line.StartsWith("PASS", StringComparison.Ordinal) && line.Contains(manifest, StringComparison.Ordinal));
        Assert.Contains(output.Split('\n'), line => line.StartsWith("PASS", StringComparison.Ordinal) && line.Contains("docker-compose", StringComparison.Ordinal));
    }
}
