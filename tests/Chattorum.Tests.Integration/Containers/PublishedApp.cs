using System.Diagnostics;
using System.Runtime.Versioning;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// A service as `dotnet publish` lays it out, which is what PublishContainer puts in the image's /app/ layer: published
/// from the build these tests run against (<c>--no-build</c>) into a temporary folder, then made read-only, as the
/// image's files are to its non-root user (they belong to root). Beside it, a home folder for that user.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class PublishedApp : IDisposable
{
    private const UnixFileMode ReadOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode WritableFolder = ReadOnlyFolder | UnixFileMode.UserWrite;
    private const UnixFileMode WritableFile = ReadOnlyFile | UnixFileMode.UserWrite;

    private const string AppFolder = "app";

    private readonly DirectoryInfo _root;

    private PublishedApp(DirectoryInfo root, TimeSpan publishTime)
    {
        _root = root;
        PublishTime = publishTime;
    }

    /// <summary>The published files: the container's working directory, /app/.</summary>
    public string Folder => Path.Combine(_root.FullName, AppFolder);

    /// <summary>The app user's home, writable by it (/home/app in the image).</summary>
    public string Home => Path.Combine(_root.FullName, "home");

    public TimeSpan PublishTime { get; }

    public static async Task<PublishedApp> PublishAsync(ServiceImage service)
    {
        var root = Directory.CreateDirectory(Path.Combine(ReachableTempFolder(), $"chattorum-container-{Guid.NewGuid():N}"));
        try
        {
            // The app's user must be able to reach the folders below.
            root.UnixFileMode = WritableFolder;
            var stopwatch = Stopwatch.StartNew();
            await DotnetCli.RunAsync(
                "publish", Path.Combine("src", service.Project, $"{service.Project}.csproj"),
                "-c", DotnetCli.Configuration, "--no-build", "-o", Path.Combine(root.FullName, AppFolder));
            var app = new PublishedApp(root, stopwatch.Elapsed);
            SetModes(app.Folder, ReadOnlyFolder, ReadOnlyFile);

            // The image's /home/app belongs to the app's user; here anyone may write it, whichever user runs the app.
            Directory.CreateDirectory(app.Home).UnixFileMode = WritableFolder | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            return app;
        }
        catch
        {
            Remove(root);
            throw;
        }
    }

    /// <summary>
    /// The temporary folder when the app's user can reach what is in it (every folder on the way lets others through),
    /// <c>/tmp</c> otherwise: scripts/test.sh points TMPDIR at a folder of its own, created 0700 by <c>mktemp -d</c>,
    /// where user 1654 could not even open the published dll.
    /// </summary>
    private static string ReachableTempFolder()
    {
        var temp = Path.GetTempPath();
        for (var folder = new DirectoryInfo(temp); folder is not null; folder = folder.Parent)
        {
            if (!folder.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return "/tmp";
            }
        }

        return temp;
    }

    /// <summary>Every file under the published folder with its size and last write, to compare before and after a run.</summary>
    public IReadOnlyDictionary<string, (long Length, DateTime LastWrite)> Snapshot() =>
        new DirectoryInfo(Folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).ToDictionary(
            entry => Path.GetRelativePath(Folder, entry.FullName),
            entry => (entry is FileInfo file ? file.Length : -1, entry.LastWriteTimeUtc),
            StringComparer.Ordinal);

    public void Dispose() => Remove(_root);

    private static void Remove(DirectoryInfo root)
    {
        var folder = Path.Combine(root.FullName, AppFolder);
        if (Directory.Exists(folder))
        {
            SetModes(folder, WritableFolder, WritableFile);
        }

        root.Delete(recursive: true);
    }

    private static void SetModes(string folder, UnixFileMode folderMode, UnixFileMode fileMode)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            entry.UnixFileMode = entry is DirectoryInfo ? folderMode : fileMode;
        }

        File.SetUnixFileMode(folder, folderMode);
    }
}
