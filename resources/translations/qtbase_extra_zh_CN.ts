<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<!-- Qt's own texts that Qt's qtbase_zh_CN catalogue does not translate (the labels of the file
     dialog's form carry an accelerator since Qt 6, and the catalogue only has them without).
     Compiled with: pyside6-lrelease resources/translations/qtbase_extra_zh_CN.ts -qm workbench/assets/i18n/qtbase_extra_zh_CN.qm -->
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
</TS>
