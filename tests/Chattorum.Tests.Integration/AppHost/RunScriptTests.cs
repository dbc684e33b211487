using System.Diagnostics;
using Chattorum.Tests.Integration.Deploy;

namespace Chattorum.Tests.Integration.AppHost;

/// <summary>
/// What <c>scripts/run.sh</c> hands the AppHost: the data folder (kept across runs by default) and <c>--fresh</c>. A
/// stand-in <c>dotnet</c> on PATH records its arguments and environment instead of starting anything; what the AppHost
/// does with those settings is <see cref="AppHostDataFolderTests"/>.
/// </summary>
public sealed class RunScriptTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chattorum-run-sh-").FullName;

    [Fact]
    public async Task By_default_the_AppHost_keeps_its_data_in_the_users_data_folder()
    {
        var run = await RunAsync([]);

        Assert.Equal(Path.Combine(_folder, "xdg", "chattorum"), run["Chattorum__DataFolder"]);
        Assert.Equal(string.Empty, run["Chattorum__Fresh"]);
        Assert.Equal("run --project src/Chattorum.AppHost --launch-profile http --", run["args"]);
    }

    [Fact]
    public async Task Fresh_asks_the_AppHost_to_start_empty_and_is_not_passed_on_as_an_argument()
    {
        var run = await RunAsync(["--fresh", "--Some:Setting", "1"]);

        Assert.Equal(Path.Combine(_folder, "xdg", "chattorum"), run["Chattorum__DataFolder"]);
        Assert.Equal("true", run["Chattorum__Fresh"]);
        Assert.Equal("run --project src/Chattorum.AppHost --launch-profile http -- --Some:Setting 1", run["args"]);
    }

    [Fact]
    public async Task CHATTORUM_DATA_chooses_another_data_folder()
    {
        var elsewhere = Path.Combine(_folder, "elsewhere");

        var run = await RunAsync([], ("CHATTORUM_DATA", elsewhere));

        Assert.Equal(elsewhere, run["Chattorum__DataFolder"]);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs scripts/run.sh with a recording <c>dotnet</c>; returns what it recorded.</summary>
    private async Task<Dictionary<string, string>> RunAsync(string[] arguments, params (string Name, string Value)[] environment)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;
        var record = Path.Combine(_folder, "record");
        var fake = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(fake, $$"""
            #!/usr/bin/env bash
            {
              echo "args=$*"
              echo "Chattorum__DataFolder=${Chattorum__DataFolder:-}"
              echo "Chattorum__Fresh=${Chattorum__Fresh:-}"
            } > '{{record}}'
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("bash", [Path.Combine(AspireManifestFixture.RepositoryRoot, "scripts", "run.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["XDG_DATA_HOME"] = Path.Combine(_folder, "xdg");
        // No container runtime: the script takes the local-process path (Debian's binaries, installed where tests run).
        start.Environment["ASPIRE_CONTAINER_RUNTIME"] = "no-such-container-runtime";
        foreach (var name in new[] { "CHATTORUM_DATA", "Chattorum__DataFolder", "Chattorum__Fresh", "Chattorum__RedisCluster" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"run.sh exited {process.ExitCode}:\n{await stdout}\n{await stderr}");

        return (await File.ReadAllLinesAsync(record))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
    }
}
