// qt_storage: what Qt's QStorageInfo (what Qt applications use to list
// storage) says about each mounted volume under ROOT:
//   "ROOT_PATH TYPE DEVICE bytesTotal" per volume, plus QStorageInfo(PATH).
//
//   qt_storage ROOT PATH_INSIDE
#include <QCoreApplication>
#include <QStorageInfo>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3)
        return 2;
    const QString root = QString::fromLocal8Bit(argv[1]);
    for (const QStorageInfo &s : QStorageInfo::mountedVolumes()) {
        if (!s.rootPath().startsWith(root))
            continue;
        std::printf("%s %s %s %lld\n", s.rootPath().toLocal8Bit().constData(),
                    s.fileSystemType().constData(), s.device().constData(), s.bytesTotal());
    }
    QStorageInfo inside(QString::fromLocal8Bit(argv[2]));
    std::printf("inside %s %s %s\n", inside.rootPath().toLocal8Bit().constData(),
                inside.fileSystemType().constData(), inside.device().constData());
    return 0;
}
