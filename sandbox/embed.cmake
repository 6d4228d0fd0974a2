# cmake -DIN=file -DOUT=file.c -P embed.cmake: the bytes of IN as
# sbx_default_config[] (NUL-terminated) and sbx_default_config_len.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
       bytes "${bytes}")
file(WRITE "${OUT}"
  "/* Generated from sandbox/sandbox.json by sandbox/embed.cmake. */\n"
  "#include <stddef.h>\n"
  "extern const unsigned char sbx_default_config[];\n"
  "extern const size_t sbx_default_config_len;\n"
  "const unsigned char sbx_default_config[] = {\n${bytes}0x00};\n"
  "const size_t sbx_default_config_len = ${len};\n")
